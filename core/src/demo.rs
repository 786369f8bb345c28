//! The example account from the source page, so a newcomer sees a full page at once.
//! The source's phone numbers (123-123-1234, 555-555-5555) are not valid NANP numbers and
//! would be refused by the phone rule, so the demo uses valid numbers from the same areas.

use crate::accounts::{count_accounts, create_account, AccountView};
use crate::validation::{BillingForm, ContactForm};
use crate::{Result, Store};

pub fn example_contact() -> ContactForm {
    ContactForm {
        company_name: "Alexcompany".into(),
        name: "Alex".into(),
        street: "1550 Wewatta Street".into(),
        city: "Denver".into(),
        region: "CO".into(),
        postal_code: "24025".into(),
        country: "US".into(),
        phone: "(303) 555-0134".into(),
        username: "alexcnw".into(),
        email: "alex@alexcompany.example".into(),
    }
}

pub fn example_billing() -> BillingForm {
    BillingForm {
        billing_name: "John Doe".into(),
        street_line1: "121 West Walnut Street".into(),
        street_line2: "Suite 100".into(),
        city: "Robinson".into(),
        region: "IL".into(),
        postal_code: "62454".into(),
        country: "US".into(),
        phone: "(618) 555-0100".into(),
        email: "billing@alexcompany.example".into(),
    }
}

/// Adds the example account when the store is empty; leaves a store with data alone.
pub async fn seed_demo(store: &Store) -> Result<Option<AccountView>> {
    if count_accounts(store).await? > 0 {
        return Ok(None);
    }
    create_account(store, &example_contact(), &example_billing())
        .await
        .map(Some)
}
