information_block! {
    /// Contact information of an account: one row per account.
    table = "contact_information", form = ContactForm,
    fields {
        company_name, name, street, city, region, postal_code,
        /// ISO 3166-1 alpha-2, or empty.
        country,
        /// E.164 when valid for its country, as typed when only possible (see `contact`), or empty.
        phone,
        username, email,
    }
}
