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

/// A phone number, read in the address's country unless it starts with `+`. Follows
/// libphonenumber's distinction: a *possible* number (plausible digits and length, separators,
/// an optional extension) is kept; it is stored in E.164 (plus ` ext. N`) when it is also *valid*
/// for its country, and as typed (trimmed) when not — data moved over from elsewhere, such as
/// 123-123-1234, must not be refused (the page warns instead, see `phone_warning`). Only
/// impossible input is refused.
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
    let rule = "must be a phone number: digits with spaces, dashes, dots or brackets, the right \
                number of digits for its country, and optionally an extension (x123), such as \
                +1 303 555 0134";
    let number =
        possible_number(region, &value).ok_or_else(|| Error::invalid(field, label, rule))?;
    if !number.is_valid() {
        return Ok(value);
    }
    let e164 = number.format().mode(Mode::E164).to_string();
    Ok(match number.extension() {
        Some(extension) => format!("{e164} ext. {extension}"),
        None => e164,
    })
}

/// Separators people type between digits, and an extension at the end (`x123`, `ext. 12`).
static PHONE_SHAPE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^\+?[\d\s().\-/]+(\s*(x|ext\.?|extension|#)\s*\d{1,7})?$")
        .expect("valid phone pattern")
});

/// The number when `value` could be a phone number at all (libphonenumber's "possible": only
/// digits and separators, and a length some number of its country has).
fn possible_number(
    region: Option<phonenumber::country::Id>,
    value: &str,
) -> Option<phonenumber::PhoneNumber> {
    if !PHONE_SHAPE.is_match(value) {
        return None;
    }
    let number = phonenumber::parse(region, value).ok()?;
    let database = &phonenumber::metadata::DATABASE;
    let national = number.national().to_string().len();
    let parsed_possible = database
        .by_code(&number.code().value())
        .is_some_and(|all| all.iter().any(|m| possible_length(m, national)));
    // The parser takes a leading 1 of 123-123-1234 for the country code, leaving 9 digits; a
    // number typed without + is also possible when all its digits fit the address's country.
    let typed_possible = !value.starts_with('+')
        && region
            .and_then(|r| database.by_id(r.as_ref()))
            .is_some_and(|m| possible_length(m, national_digits(value)));
    (parsed_possible || typed_possible).then_some(number)
}

/// The digits before any extension.
fn national_digits(value: &str) -> usize {
    value
        .chars()
        .take_while(|c| !c.is_ascii_alphabetic() && *c != '#')
        .filter(char::is_ascii_digit)
        .count()
}

/// Whether some kind of number of this country (fixed line, mobile, toll free, …) has `length`
/// digits, counting numbers dialled locally without their area code.
fn possible_length(metadata: &phonenumber::Metadata, length: usize) -> bool {
    let d = metadata.descriptors();
    [
        Some(d.general()),
        d.fixed_line(),
        d.mobile(),
        d.toll_free(),
        d.premium_rate(),
        d.shared_cost(),
        d.personal_number(),
        d.voip(),
        d.pager(),
        d.uan(),
        d.voicemail(),
    ]
    .into_iter()
    .flatten()
    .any(|kind| {
        kind.possible_length()
            .iter()
            .chain(kind.possible_local_length())
            .any(|&l| usize::from(l) == length)
    })
}

/// The quiet warning beside a stored number that is possible but not in use in its country
/// ("not a number in use in the United States — saved as typed"); None for valid numbers.
pub fn phone_warning(stored: &str, country_alpha2: &str) -> Option<String> {
    if stored.is_empty() {
        return None;
    }
    let region = phonenumber::country::Id::from_str(country_alpha2).ok();
    let number = phonenumber::parse(region, stored).ok();
    if number.as_ref().is_some_and(|n| n.is_valid()) {
        return None;
    }
    let country = match country_alpha2 {
        "" => number
            .and_then(|n| n.country().id())
            .map(|id| country_name(id.as_ref())),
        alpha2 => Some(country_name(alpha2)),
    };
    Some(match country.filter(|c| !c.is_empty()) {
        Some(name) => format!(
            "not a number in use in {} — saved as typed",
            with_article(&name)
        ),
        None => "not a number in use in any country — saved as typed".to_owned(),
    })
}

/// "the United States", "the Netherlands", but "Germany".
fn with_article(name: &str) -> String {
    let name = name.strip_suffix(" of America").unwrap_or(name);
    let takes_the = [
        "United ",
        "Republic",
        "Islands",
        "Kingdom",
        "Netherlands",
        "Philippines",
        "Bahamas",
        "Gambia",
        "Maldives",
        "Comoros",
        "Seychelles",
        "Emirates",
    ];
    if takes_the.iter().any(|word| name.contains(word)) {
        format!("the {name}")
    } else {
        name.to_owned()
    }
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
/// A number saved as typed (possible, not valid) is shown as typed.
pub fn phone_display(stored: &str) -> String {
    match phonenumber::parse(None, stored) {
        Ok(number) if stored.starts_with('+') && number.is_valid() => {
            number.format().mode(Mode::International).to_string()
        }
        _ => stored.to_owned(),
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
    fn possible_numbers_are_kept_as_typed_with_a_warning() {
        // The source console's own data: possible, but no US area code starts with 1 or 555.
        let console = ContactForm {
            phone: " 1231231234 ".into(),
            ..contact()
        }
        .validate()
        .unwrap();
        assert_eq!(console.phone, "1231231234", "trimmed, as typed");
        assert_eq!(phone_display(&console.phone), "1231231234");
        assert_eq!(
            phone_warning(&console.phone, &console.country).as_deref(),
            Some("not a number in use in the United States — saved as typed")
        );
        let billing = BillingForm {
            country: "US".into(),
            phone: "555-555-5555".into(),
            ..Default::default()
        }
        .validate()
        .unwrap();
        assert_eq!(billing.phone, "555-555-5555");
        assert!(phone_warning(&billing.phone, "US").is_some());
        // A valid number is normalised and has no warning.
        let valid = contact().validate().unwrap();
        assert_eq!(phone_warning(&valid.phone, &valid.country), None);
        assert_eq!(phone_warning("", "US"), None);
        assert_eq!(
            phone_warning("+49 30 1", "DE").as_deref(),
            Some("not a number in use in Germany — saved as typed")
        );
    }

    #[test]
    fn extensions_are_kept() {
        for typed in [
            "(303) 555-0134 x123",
            "303-555-0134 ext. 123",
            "303.555.0134 ext123",
        ] {
            let form = ContactForm {
                phone: typed.into(),
                ..contact()
            }
            .validate()
            .unwrap();
            assert_eq!(form.phone, "+13035550134 ext. 123", "{typed}");
            assert_eq!(phone_display(&form.phone), "+1 303-555-0134 ext. 123");
            assert_eq!(phone_warning(&form.phone, "US"), None);
        }
        let as_typed = ContactForm {
            phone: "123-123-1234 x9".into(),
            ..contact()
        }
        .validate()
        .unwrap();
        assert_eq!(as_typed.phone, "123-123-1234 x9");
    }

    #[test]
    fn impossible_numbers_are_refused_naming_the_field() {
        for typed in [
            "call me",
            "303-555-CALL",
            "12",
            "123",
            "30355501",
            "1234567890123456",
            "+1 303 555 0134 9999",
            "555-0134 x",
        ] {
            let (field, message) = rule_broken(ContactForm {
                phone: typed.into(),
                ..contact()
            });
            assert_eq!(field, "phone", "{typed}");
            assert!(
                message.starts_with("Phone number: must be a phone number"),
                "{typed}: {message}"
            );
        }
        let err = BillingForm {
            country: "US".into(),
            phone: "555-55".into(),
            ..Default::default()
        }
        .validate()
        .unwrap_err();
        assert_eq!(err.field(), Some("phone"));
        assert!(err.to_string().starts_with("Billing phone number:"));
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
