/* Wine 8 (Debian bookworm) lacks bcryptprimitives.dll, whose ProcessPrng current Rust's std
 * imports for its random numbers on Windows: a Rust .exe then fails to load. This stand-in,
 * placed beside the .exe, answers ProcessPrng from advapi32's RtlGenRandom (SystemFunction036),
 * which Wine implements over the host's random source. Only for running tests under Wine;
 * never shipped. */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length)
{
    while (length > 0) {
        ULONG chunk = length > 0x10000000 ? 0x10000000 : (ULONG)length;
        if (!SystemFunction036(data, chunk))
            return FALSE;
        data += chunk;
        length -= chunk;
    }
    return TRUE;
}
