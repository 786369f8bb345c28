; Keydesk's Windows installer (issue 29), made by `cargo xtask bundle --windows` with Debian's
; `makensis` and only the plugins NSIS itself ships. Tauri's bundler was not used for it: on
; Linux it downloads a plugin (nsis_tauri_utils.dll) from GitHub at build time, and the
; builds here may use nothing but the package registries.
;
; xtask defines: VERSION (x.y.z), SOURCE (the folder holding keydesk.exe, WebView2Loader.dll
; and keydesk-cli.exe),
; ICON (the .ico), OUTFILE (the setup program to write).
;
; Per machine, into Program Files; a silent install is `setup.exe /S` (`/D=C:\Folder`, last,
; picks another folder). People's stores, settings and backups live in their own
; %APPDATA%\app.keydesk.desktop and are never touched by installing or uninstalling.

; A 64-bit installer (Debian's NSIS has the amd64 stubs and plugins): Keydesk is x64 only, and
; a 64-bit setup runs where only 64-bit Windows programs can (Wine's wine64 without its 32-bit
; half, Windows on ARM's x64 emulation).
Target amd64-unicode
ManifestDPIAware true
SetCompressor /SOLID lzma

!include "MUI2.nsh"
!include "x64.nsh"
!include "LogicLib.nsh"
!include "FileFunc.nsh"

!define UNINSTALL_KEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\Keydesk"
; Microsoft Edge WebView2 Runtime's client id, under which its installers record the version.
!define WEBVIEW2_GUID "{F3017226-FE2A-4295-8BDF-00C3A9A7E4C5}"
; Microsoft's evergreen bootstrapper (the link Microsoft's WebView2 documentation gives).
!define WEBVIEW2_BOOTSTRAPPER "https://go.microsoft.com/fwlink/p/?LinkId=2124703"

Name "Keydesk"
OutFile "${OUTFILE}"
InstallDir "$PROGRAMFILES64\Keydesk"
InstallDirRegKey HKLM "${UNINSTALL_KEY}" "InstallLocation"
RequestExecutionLevel admin
BrandingText "Keydesk ${VERSION}"

VIProductVersion "${VERSION}.0"
VIAddVersionKey "ProductName" "Keydesk"
VIAddVersionKey "ProductVersion" "${VERSION}"
VIAddVersionKey "FileVersion" "${VERSION}"
VIAddVersionKey "FileDescription" "Keydesk ${VERSION} setup"
VIAddVersionKey "CompanyName" "Keydesk"
VIAddVersionKey "LegalCopyright" "Keydesk"

!define MUI_ICON "${ICON}"
!define MUI_UNICON "${ICON}"
!define MUI_ABORTWARNING
!define MUI_FINISHPAGE_RUN "$INSTDIR\keydesk.exe"
!define MUI_FINISHPAGE_RUN_TEXT "Open Keydesk"

!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_INSTFILES
!insertmacro MUI_PAGE_FINISH
!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_INSTFILES
!insertmacro MUI_LANGUAGE "English"

Function .onInit
  ${IfNot} ${RunningX64}
    MessageBox MB_ICONSTOP "Keydesk needs 64-bit Windows." /SD IDOK
    Abort
  ${EndIf}
  ; Program Files and HKLM as 64-bit programs see them.
  SetRegView 64
FunctionEnd

Function un.onInit
  SetRegView 64
FunctionEnd

; The window is Microsoft Edge WebView2. Windows 11 has it; an older Windows gets Microsoft's
; bootstrapper, downloaded while installing (urlmon speaks HTTPS; NSIS's own NSISdl does not).
Section "-WebView2"
  ReadRegStr $0 HKLM "SOFTWARE\WOW6432Node\Microsoft\EdgeUpdate\Clients\${WEBVIEW2_GUID}" "pv"
  ${If} $0 == ""
  ${OrIf} $0 == "0.0.0.0"
    ReadRegStr $0 HKCU "SOFTWARE\Microsoft\EdgeUpdate\Clients\${WEBVIEW2_GUID}" "pv"
  ${EndIf}
  ${If} $0 != ""
  ${AndIf} $0 != "0.0.0.0"
    DetailPrint "Microsoft Edge WebView2 $0 is installed."
    Return
  ${EndIf}
  DetailPrint "Downloading Microsoft Edge WebView2, which Keydesk's window needs..."
  Delete "$TEMP\MicrosoftEdgeWebview2Setup.exe"
  System::Call 'urlmon::URLDownloadToFileW(p 0, w "${WEBVIEW2_BOOTSTRAPPER}", w "$TEMP\MicrosoftEdgeWebview2Setup.exe", i 0, p 0) i .r1'
  ${If} $1 != 0
    MessageBox MB_ICONSTOP "Keydesk needs Microsoft Edge WebView2, and it could not be downloaded (error $1).$\r$\n$\r$\nConnect to the internet and run this setup again, or install the WebView2 Runtime from https://developer.microsoft.com/microsoft-edge/webview2/ first." /SD IDOK
    Abort "Microsoft Edge WebView2 could not be downloaded (error $1)."
  ${EndIf}
  DetailPrint "Installing Microsoft Edge WebView2..."
  ExecWait '"$TEMP\MicrosoftEdgeWebview2Setup.exe" /silent /install' $1
  Delete "$TEMP\MicrosoftEdgeWebview2Setup.exe"
  ${If} $1 != 0
    MessageBox MB_ICONSTOP "Microsoft Edge WebView2 did not install (its setup answered $1). Install it from https://developer.microsoft.com/microsoft-edge/webview2/ and run this setup again." /SD IDOK
    Abort "Microsoft Edge WebView2 did not install (its setup answered $1)."
  ${EndIf}
SectionEnd

Section "-Keydesk"
  SetOutPath "$INSTDIR"
  ; A copy of Keydesk still running holds its .exe; NSIS then asks to retry, and a silent
  ; install stops with an error instead of leaving half an update.
  SetOverwrite try
  ClearErrors
  File "${SOURCE}\keydesk.exe"
  ; What a mingw build of the app loads WebView2 through (Microsoft's, redistributable).
  File "${SOURCE}\WebView2Loader.dll"
  File "${SOURCE}\keydesk-cli.exe"
  ${If} ${Errors}
    MessageBox MB_ICONSTOP "Keydesk is running. Quit it (and any keydesk-cli), then run this setup again." /SD IDOK
    Abort "Keydesk is running: quit it and run this setup again."
  ${EndIf}
  WriteUninstaller "$INSTDIR\uninstall.exe"

  SetShellVarContext all
  CreateShortCut "$SMPROGRAMS\Keydesk.lnk" "$INSTDIR\keydesk.exe"

  ; Settings → Apps lists it, and can remove it quietly.
  WriteRegStr HKLM "${UNINSTALL_KEY}" "DisplayName" "Keydesk"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "DisplayVersion" "${VERSION}"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "Publisher" "Keydesk"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "DisplayIcon" "$INSTDIR\keydesk.exe"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "InstallLocation" "$INSTDIR"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "UninstallString" '"$INSTDIR\uninstall.exe"'
  WriteRegStr HKLM "${UNINSTALL_KEY}" "QuietUninstallString" '"$INSTDIR\uninstall.exe" /S'
  WriteRegDWORD HKLM "${UNINSTALL_KEY}" "NoModify" 1
  WriteRegDWORD HKLM "${UNINSTALL_KEY}" "NoRepair" 1
  ${GetSize} "$INSTDIR" "/S=0K" $0 $1 $2
  WriteRegDWORD HKLM "${UNINSTALL_KEY}" "EstimatedSize" $0
SectionEnd

Section "Uninstall"
  SetShellVarContext all
  Delete "$SMPROGRAMS\Keydesk.lnk"
  Delete "$INSTDIR\keydesk.exe"
  Delete "$INSTDIR\WebView2Loader.dll"
  Delete "$INSTDIR\keydesk-cli.exe"
  Delete "$INSTDIR\uninstall.exe"
  ; Only if empty: a folder the person chose may hold their own files.
  RMDir "$INSTDIR"
  DeleteRegKey HKLM "${UNINSTALL_KEY}"
  ; Each person's %APPDATA%\app.keydesk.desktop (stores, settings, backups) and the secrets
  ; kept in Credential Manager stay: removing the program is not removing their data.
SectionEnd
