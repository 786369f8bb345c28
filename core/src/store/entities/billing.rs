information_block! {
    /// Billing information of an account: one row per account.
    table = "billing_information", form = BillingForm,
    fields {
        billing_name, street_line1, street_line2, city, region, postal_code,
        /// ISO 3166-1 alpha-2, or empty.
        country,
        /// E.164 when valid for its country, as typed when only possible (see `contact`), or empty.
        phone,
        email,
    }
}
