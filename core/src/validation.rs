//! The rules every field follows, in one place, used by every entry point (UI commands, the
//! demo seeder, later imports). A rule breaks with an error naming the field and the rule.

use std::str::FromStr;
use std::sync::LazyLock;

use celes::Country;
use email_address::EmailAddress;
use phonenumber::Mode;
use regex::Regex;

use crate::{Error, Result};

/// Lengths in characters. Generous for real data, small enough that a pasted document is refused.
pub const MAX_NAME: usize = 200;
pub const MAX_STREET: usize = 200;
pub const MAX_CITY: usize = 100;
pub const MAX_REGION: usize = 100;
pub const MAX_POSTAL_CODE: usize = 16;
pub const MAX_USERNAME: usize = 64;
/// RFC 5321's limit on a forward path.
pub const MAX_EMAIL: usize = 254;
pub const MAX_PHONE: usize = 32;

/// Free text: trimmed, no control characters, at most `max` characters, present if `required`.
pub(crate) fn text(
    field: &'static str,
    label: &'static str,
    value: &str,
    max: usize,
    required: bool,
) -> Result<String> {
    let value = value.trim();
    if required && value.is_empty() {
        return Err(Error::invalid(field, label, "is required"));
    }
    if value.chars().any(char::is_control) {
        return Err(Error::invalid(
            field,
            label,
            "must not contain control characters (such as tabs or line breaks)",
        ));
    }
    if value.chars().count() > max {
        return Err(Error::invalid(
            field,
            label,
            format!("must be at most {max} characters"),
        ));
    }
    Ok(value.to_owned())
}

/// A country by ISO 3166 code (alpha-2 or alpha-3) or name; stored as alpha-2.
pub(crate) fn country(field: &'static str, label: &'static str, value: &str) -> Result<String> {
    let value = text(field, label, value, MAX_NAME, false)?;
    if value.is_empty() {
        return Ok(value);
    }
    let squeezed: String = value.chars().filter(|c| !c.is_whitespace()).collect();
    Country::from_str(&squeezed)
        .map(|c| c.alpha2.to_owned())
        .map_err(|_| {
            Error::invalid(
                field,
                label,
                "must be a country from ISO 3166 (a name or a code such as US)",
            )
        })
}

pub(crate) fn email(field: &'static str, label: &'static str, value: &str) -> Result<String> {
    let value = text(field, label, value, MAX_EMAIL, false)?;
    if value.is_empty() || EmailAddress::is_valid(&value) {
        Ok(value)
    } else {
        Err(Error::invalid(
            field,
            label,
            "must be an email address such as name@example.com",
        ))
    }
}

pub(crate) fn username(field: &'static str, label: &'static str, value: &str) -> Result<String> {
    let value = text(field, label, value, MAX_USERNAME, false)?;
    if value.chars().any(char::is_whitespace) {
        return Err(Error::invalid(field, label, "must not contain spaces"));
    }
    Ok(value)
}

/// A phone number, read in the address's country unless it starts with `+`; stored in E.164.
pub(crate) fn phone(
    field: &'static str,
    label: &'static str,
    value: &str,
    country_alpha2: &str,
) -> Result<String> {
    let value = text(field, label, value, MAX_PHONE, false)?;
    if value.is_empty() {
        return Ok(value);
    }
    let region = phonenumber::country::Id::from_str(country_alpha2).ok();
    if region.is_none() && !value.starts_with('+') {
        return Err(Error::invalid(
            field,
            label,
            "must start with + and the country code when no country is set",
        ));
    }
    let rule = "must be a valid phone number for its country, such as +1 303 555 0134";
    let number =
        phonenumber::parse(region, &value).map_err(|_| Error::invalid(field, label, rule))?;
    // A number that merely parses can still be impossible (US area codes never start with 1):
    // storing it would make a wrong E.164 number look authoritative.
    if !number.is_valid() {
        return Err(Error::invalid(field, label, rule));
    }
    Ok(number.format().mode(Mode::E164).to_string())
}

/// Postal code formats for the countries whose format is well known; elsewhere free text.
static POSTAL_CODE_FORMATS: LazyLock<Vec<(&'static str, Regex, &'static str)>> =
    LazyLock::new(|| {
        [
            (
                "US",
                r"^\d{5}(-\d{4})?$",
                "must be a US ZIP code: 5 digits, or ZIP+4 such as 80202-1234",
            ),
            (
                "CA",
                r"^[ABCEGHJ-NPRSTVXY]\d[ABCEGHJ-NPRSTV-Z] ?\d[ABCEGHJ-NPRSTV-Z]\d$",
                "must be a Canadian postal code such as K1A 0B1",
            ),
            (
                "GB",
                r"^([A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}|GIR ?0AA)$",
                "must be a UK postcode such as SW1A 1AA",
            ),
            ("DE", r"^\d{5}$", "must be a German postal code: 5 digits"),
            ("FR", r"^\d{5}$", "must be a French postal code: 5 digits"),
            (
                "NL",
                r"^\d{4} ?[A-Z]{2}$",
                "must be a Dutch postal code such as 1012 AB",
            ),
            ("AU", r"^\d{4}$", "must be an Australian postcode: 4 digits"),
        ]
        .into_iter()
        .map(|(country, pattern, rule)| {
            (
                country,
                Regex::new(pattern).expect("valid postal code pattern"),
                rule,
            )
        })
        .collect()
    });

pub(crate) fn postal_code(
    field: &'static str,
    label: &'static str,
    value: &str,
    country_alpha2: &str,
) -> Result<String> {
    let value = text(field, label, value, MAX_POSTAL_CODE, false)?.to_uppercase();
    if value.is_empty() {
        return Ok(value);
    }
    match POSTAL_CODE_FORMATS
        .iter()
        .find(|(c, _, _)| *c == country_alpha2)
    {
        Some((_, pattern, rule)) if !pattern.is_match(&value) => {
            Err(Error::invalid(field, label, *rule))
        }
        _ => Ok(value),
    }
}

/// Loads the phone number metadata (about 80 ms in a release build, once per process), so the
/// first page that shows a phone number does not wait for it. Start-up calls this in the
/// background.
pub fn warm_up() {
    let _ = phonenumber::parse(None, "+13035550134");
}

/// A stored E.164 number in the international format people read (`+1 303-555-0134`).
pub fn phone_display(e164: &str) -> String {
    match phonenumber::parse(None, e164) {
        Ok(number) => number.format().mode(Mode::International).to_string(),
        Err(_) => e164.to_owned(),
    }
}

/// The name of a country given by its alpha-2 code ("" when unknown or unset).
pub fn country_name(alpha2: &str) -> String {
    Country::from_alpha2(alpha2)
        .map(|c| display_name(&c))
        .unwrap_or_default()
}

fn display_name(country: &Country) -> String {
    // celes keeps formal, title-cased names ("The United States Of America"); people read
    // "United States of America".
    let name = country
        .long_name
        .strip_prefix("The ")
        .unwrap_or(country.long_name);
    name.replace(" Of ", " of ")
        .replace(" And ", " and ")
        .replace(" The ", " the ")
}

/// Every ISO 3166 country as (alpha-2, name), sorted by name, for the country pickers.
pub fn countries() -> Vec<(String, String)> {
    let mut all: Vec<(String, String)> = Country::get_countries()
        .iter()
        .map(|c| (c.alpha2.to_owned(), display_name(c)))
        .collect();
    all.sort_by(|a, b| a.1.cmp(&b.1));
    all
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contact::{BillingForm, ContactForm};

    fn contact() -> ContactForm {
        ContactForm {
            company_name: "  Alexcompany ".into(),
            name: "Alex".into(),
            city: "Denver".into(),
            region: "CO".into(),
            postal_code: "24025".into(),
            country: "United States".into(),
            phone: "(303) 555-0134".into(),
            username: "alexcnw".into(),
            email: "alex@alexcompany.example".into(),
            ..Default::default()
        }
    }

    fn rule_broken(form: ContactForm) -> (&'static str, String) {
        let err = form.validate().unwrap_err();
        (err.field().unwrap(), err.to_string())
    }

    #[test]
    fn normalises_a_valid_contact() {
        let valid = contact().validate().unwrap();
        assert_eq!(valid.company_name, "Alexcompany");
        assert_eq!(valid.country, "US");
        assert_eq!(valid.phone, "+13035550134");
        assert_eq!(phone_display(&valid.phone), "+1 303-555-0134");
    }

    #[test]
    fn required_fields_are_named() {
        let (field, message) = rule_broken(ContactForm {
            company_name: "   ".into(),
            ..contact()
        });
        assert_eq!(field, "company_name");
        assert_eq!(message, "Company name: is required");
        let (field, _) = rule_broken(ContactForm {
            name: String::new(),
            ..contact()
        });
        assert_eq!(field, "name");
    }

    #[test]
    fn email_syntax_is_checked() {
        let (field, message) = rule_broken(ContactForm {
            email: "alex@".into(),
            ..contact()
        });
        assert_eq!(field, "email");
        assert!(message.contains("email address"), "{message}");
    }

    #[test]
    fn length_limits_are_enforced() {
        let (field, message) = rule_broken(ContactForm {
            name: "x".repeat(MAX_NAME + 1),
            ..contact()
        });
        assert_eq!(field, "name");
        assert!(message.contains("at most 200"), "{message}");
        // Counted in characters, not bytes.
        assert!(ContactForm {
            name: "é".repeat(MAX_NAME),
            ..contact()
        }
        .validate()
        .is_ok());
    }

    #[test]
    fn control_characters_are_refused() {
        let (field, _) = rule_broken(ContactForm {
            city: "Den\u{0}ver".into(),
            ..contact()
        });
        assert_eq!(field, "city");
    }

    #[test]
    fn countries_come_from_iso_3166() {
        for typed in ["US", "usa", "United States", "america"] {
            let form = ContactForm {
                country: typed.into(),
                ..contact()
            };
            assert_eq!(form.validate().unwrap().country, "US", "{typed}");
        }
        let (field, _) = rule_broken(ContactForm {
            country: "Atlantis".into(),
            ..contact()
        });
        assert_eq!(field, "country");
        assert_eq!(country_name("DE"), "Germany");
        assert_eq!(countries().len(), 250);
    }

    #[test]
    fn phone_numbers_use_the_address_country() {
        let german = ContactForm {
            country: "DE".into(),
            postal_code: "10115".into(),
            phone: "030 901820".into(),
            ..contact()
        };
        assert_eq!(german.validate().unwrap().phone, "+4930901820");
        let (field, _) = rule_broken(ContactForm {
            phone: "call me".into(),
            ..contact()
        });
        assert_eq!(field, "phone");
        // The source's example 123-123-1234 parses, but no US area code starts with 1.
        let (field, message) = rule_broken(ContactForm {
            phone: "1231231234".into(),
            ..contact()
        });
        assert_eq!(field, "phone");
        assert!(message.contains("valid phone number"), "{message}");
        let (field, message) = rule_broken(ContactForm {
            country: String::new(),
            postal_code: String::new(),
            phone: "3035550134".into(),
            ..contact()
        });
        assert_eq!(field, "phone");
        assert!(message.contains("country code"), "{message}");
        let international = ContactForm {
            country: String::new(),
            postal_code: String::new(),
            phone: "+44 20 7946 0958".into(),
            ..contact()
        };
        assert_eq!(international.validate().unwrap().phone, "+442079460958");
    }

    #[test]
    fn postal_codes_follow_their_country() {
        let cases = [
            ("US", "80202-1234", true),
            ("US", "8020", false),
            ("CA", "k1a 0b1", true),
            ("CA", "12345", false),
            ("GB", "SW1A 1AA", true),
            ("GB", "123", false),
            ("DE", "10115", true),
            ("DE", "1011", false),
            ("JP", "100-0001", true),
        ];
        for (country, code, ok) in cases {
            let form = ContactForm {
                country: country.into(),
                postal_code: code.into(),
                phone: String::new(),
                ..contact()
            };
            assert_eq!(form.validate().is_ok(), ok, "{country} {code}");
        }
    }

    #[test]
    fn billing_errors_name_billing_fields() {
        let billing = BillingForm {
            billing_name: "John Doe".into(),
            email: "not an email".into(),
            ..Default::default()
        };
        let err = billing.validate().unwrap_err();
        assert_eq!(err.field(), Some("email"));
        assert!(err.to_string().starts_with("Billing email address:"));
    }
}
