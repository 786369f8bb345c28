//! Accounts in and out as CSV: the columns of the contact and billing forms plus tags.
//!
//! Import is two steps. `preview_import` reads the file, maps its header by name, matches each
//! row to an account (by an `id` column, else by company name) and checks every rule of the
//! form, so the page can show what each row will do and every rule a row breaks
//! ("row 17, Email address: …"). `commit_import` then writes the valid rows of that preview in
//! one `Store::write()`: new accounts through `contact::insert_accounts` (the form's insert, batched), matched ones through
//! the forms' own update path (refused, and everything rolled back, if an account changed since
//! the preview) — the same validation, events and search index as the form.
//!
//! Export writes the same columns, so an exported file imports back unchanged. A cell a
//! spreadsheet would run as a formula (`=cmd|…`, `@SUM(…)`) is written with a leading `'`,
//! which import takes off again.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use sea_orm::{ConnectionTrait, DbBackend, EntityTrait, QueryOrder};
use serde::Serialize;

use crate::audit::{Action, Event, Subject};
use crate::contact::{insert_accounts, write_billing, write_contact, BillingForm, ContactForm};
use crate::entities::{account, billing, contact};
use crate::tags::{insert_tags, join_tags, parse_tags, replace_tags, tags_by_account};
use crate::{Error, Result, Store};

/// The largest file an import reads (a 10,000-account export is about 2 MB).
pub const MAX_FILE_BYTES: usize = 32 * 1024 * 1024;
/// The most data rows one import takes.
pub const MAX_ROWS: usize = 100_000;

type Access<F> = fn(&mut F) -> &mut String;

/// The contact form's columns, in the form's order: (column name, field).
const CONTACT_COLUMNS: &[(&str, Access<ContactForm>)] = &[
    ("company_name", |f| &mut f.company_name),
    ("name", |f| &mut f.name),
    ("street", |f| &mut f.street),
    ("city", |f| &mut f.city),
    ("region", |f| &mut f.region),
    ("postal_code", |f| &mut f.postal_code),
    ("country", |f| &mut f.country),
    ("phone", |f| &mut f.phone),
    ("username", |f| &mut f.username),
    ("email", |f| &mut f.email),
];

/// The billing form's columns; `billing_` before each, so a row holds both blocks.
const BILLING_COLUMNS: &[(&str, Access<BillingForm>)] = &[
    ("billing_name", |f| &mut f.billing_name),
    ("billing_street_line1", |f| &mut f.street_line1),
    ("billing_street_line2", |f| &mut f.street_line2),
    ("billing_city", |f| &mut f.city),
    ("billing_region", |f| &mut f.region),
    ("billing_postal_code", |f| &mut f.postal_code),
    ("billing_country", |f| &mut f.country),
    ("billing_phone", |f| &mut f.phone),
    ("billing_email", |f| &mut f.email),
];

/// The form's labels (and a few common spellings) for the column they mean, once normalised
/// by `normalise_header` ("Email address" → `email_address`).
const ALIASES: &[(&str, &str)] = &[
    ("company", "company_name"),
    ("contact_name", "name"),
    ("state_region", "region"),
    ("state", "region"),
    ("zip", "postal_code"),
    ("zip_code", "postal_code"),
    ("postcode", "postal_code"),
    ("phone_number", "phone"),
    ("email_address", "email"),
    ("billing_street", "billing_street_line1"),
    ("billing_street_line_1", "billing_street_line1"),
    ("billing_street_line_2", "billing_street_line2"),
    ("billing_state_region", "billing_region"),
    ("billing_state", "billing_region"),
    ("billing_phone_number", "billing_phone"),
    ("billing_email_address", "billing_email"),
    ("tag", "tags"),
];

/// Every column an export writes, in order.
pub fn columns() -> Vec<&'static str> {
    std::iter::once("id")
        .chain(CONTACT_COLUMNS.iter().map(|(c, _)| *c))
        .chain(BILLING_COLUMNS.iter().map(|(c, _)| *c))
        .chain(std::iter::once("tags"))
        .collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Target {
    Id,
    Contact(usize),
    Billing(usize),
    Tags,
}

fn normalise_header(header: &str) -> String {
    let lower = header.trim().to_lowercase();
    let mut out = String::new();
    for c in lower.chars() {
        if c.is_alphanumeric() {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('_') {
            out.push('_');
        }
    }
    out.trim_end_matches('_').to_owned()
}

fn target(header: &str) -> Option<Target> {
    let name = normalise_header(header);
    let name = ALIASES
        .iter()
        .find(|(alias, _)| *alias == name)
        .map(|(_, column)| (*column).to_owned())
        .unwrap_or(name);
    if name == "id" {
        return Some(Target::Id);
    }
    if name == "tags" {
        return Some(Target::Tags);
    }
    if let Some(i) = CONTACT_COLUMNS.iter().position(|(c, _)| *c == name) {
        return Some(Target::Contact(i));
    }
    BILLING_COLUMNS
        .iter()
        .position(|(c, _)| *c == name)
        .map(Target::Billing)
}

fn file_error(rule: impl Into<String>) -> Error {
    Error::invalid("file", "The file", rule)
}

/// Characters that make a spreadsheet read a cell as a formula.
fn formula_trigger(c: char) -> bool {
    matches!(c, '=' | '+' | '-' | '@' | '\t' | '\r')
}

/// A phone number as stored (`+13035550134`, with ` ext. 12`): a spreadsheet shows it as
/// typed and runs nothing, so a phone column is written without the `'`.
fn plain_number(value: &str) -> bool {
    let body = match value.rsplit_once(" ext. ") {
        Some((number, ext)) if !ext.is_empty() && ext.chars().all(|c| c.is_ascii_digit()) => number,
        _ => value,
    };
    body.len() > 1
        && body.starts_with('+')
        && body[1..].chars().all(|c| c.is_ascii_digit() || c == ' ')
}

/// The cell as written: a leading `'` before a formula (OWASP's advice for CSV injection);
/// also before a value that already starts with `'`s and then a formula character, so
/// `unguard` gives back exactly the value.
pub fn guard(value: &str) -> String {
    let rest = value.trim_start_matches('\'');
    match rest.chars().next() {
        Some(c) if formula_trigger(c) && !(rest.len() == value.len() && plain_number(value)) => {
            format!("'{value}")
        }
        _ => value.to_owned(),
    }
}

/// The value of a cell `guard` wrote.
pub fn unguard(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest)
            if rest
                .trim_start_matches('\'')
                .chars()
                .next()
                .is_some_and(formula_trigger) =>
        {
            rest
        }
        _ => cell,
    }
}

/// The text of an uploaded file, or why it is not a CSV file Keydesk reads.
fn csv_text(bytes: &[u8]) -> Result<&str> {
    if bytes.len() > MAX_FILE_BYTES {
        return Err(file_error(format!(
            "is {} MB; an import takes at most {} MB",
            bytes.len() / (1024 * 1024),
            MAX_FILE_BYTES / (1024 * 1024)
        )));
    }
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Err(file_error(
            "is UTF-16 text; save it as \"CSV UTF-8\" and import that",
        ));
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if bytes.contains(&0) {
        return Err(file_error(
            "is not a CSV file: it holds binary data (is it a spreadsheet? save it as \"CSV UTF-8\")",
        ));
    }
    let text = std::str::from_utf8(bytes)
        .map_err(|_| file_error("is not UTF-8 text; save it as \"CSV UTF-8\" and import that"))?;
    if text.trim().is_empty() {
        return Err(file_error("is empty"));
    }
    Ok(text)
}

/// `;` when the header line has more of them than commas (spreadsheets in many locales).
fn separator(text: &str) -> u8 {
    let header = text.lines().next().unwrap_or_default();
    let count = |c| header.chars().filter(|&h| h == c).count();
    if count(';') > count(',') {
        b';'
    } else {
        b','
    }
}

/// What the import does with a row (on the wire: "create", "update", "unchanged", "invalid").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RowAction {
    /// A new account.
    Create,
    /// An account of the store whose columns differ.
    Update,
    /// An account of the store already holding every value.
    Unchanged,
    /// A row that breaks a rule: not imported.
    Invalid,
}

/// One row of the file as the preview shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PreviewRow {
    /// The row as a spreadsheet numbers it (the header is row 1).
    pub row: usize,
    pub company_name: String,
    pub action: RowAction,
    /// The account it updates.
    pub account_id: Option<i32>,
    /// The columns an update changes.
    pub changes: Vec<String>,
    /// Every rule the row breaks: "row 17, Email address: must be …".
    pub errors: Vec<String>,
    /// What the import changed in the row's values as it read them (a street written on two
    /// lines in the cell), so nothing happens to the data unsaid.
    pub notes: Vec<String>,
}

#[derive(Debug, Clone)]
enum Work {
    Create,
    Update {
        account_id: i32,
        contact_version: Option<i32>,
        billing_version: Option<i32>,
    },
}

#[derive(Debug, Clone)]
struct Planned {
    work: Work,
    contact: ContactForm,
    billing: BillingForm,
    /// Tags when the file has a tags column (they then replace the account's).
    tags: Option<BTreeSet<String>>,
}

/// What an import will do, row by row. `commit_import` writes exactly its valid rows.
#[derive(Debug, Clone, Serialize)]
pub struct ImportPreview {
    pub file_name: String,
    pub rows: Vec<PreviewRow>,
    /// Header cells that name no column Keydesk knows (their cells are not imported).
    pub unknown_columns: Vec<String>,
    pub create: usize,
    pub update: usize,
    pub unchanged: usize,
    pub invalid: usize,
    #[serde(skip)]
    planned: Vec<Planned>,
}

/// What an import did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportOutcome {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    /// Invalid rows left out, as the preview showed them.
    pub skipped: usize,
}

struct Existing {
    contact: contact::Model,
    billing: Option<billing::Model>,
    tags: BTreeSet<String>,
}

/// Every account's blocks and tags, to match rows and show what an update changes.
async fn existing_accounts<C: ConnectionTrait>(db: &C) -> Result<BTreeMap<i32, Existing>> {
    let mut billing: HashMap<i32, billing::Model> = billing::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|b| (b.account_id, b))
        .collect();
    let mut tags = tags_by_account(db).await?;
    Ok(contact::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|c| {
            let id = c.account_id;
            (
                id,
                Existing {
                    billing: billing.remove(&id),
                    tags: tags.remove(&id).unwrap_or_default(),
                    contact: c,
                },
            )
        })
        .collect())
}

/// Every rule a form breaks (its `validate` stops at the first), or the normalised form.
fn check_all<F: Clone>(
    form: &F,
    validate: impl Fn(&F) -> Result<F>,
    access: &[(&str, Access<F>)],
    prefix: &str,
) -> std::result::Result<F, Vec<String>> {
    let mut probe = form.clone();
    let mut errors = Vec::new();
    let mut country_broken = false;
    for _ in 0..=access.len() {
        match validate(&probe) {
            Ok(valid) if errors.is_empty() => return Ok(valid),
            Ok(_) => return Err(errors),
            Err(err) => {
                let Some(field) = err.field() else {
                    errors.push(err.to_string());
                    return Err(errors);
                };
                // A bad country makes the phone and postal code unreadable: say it once.
                let follows_country = country_broken && matches!(field, "phone" | "postal_code");
                if !follows_country {
                    errors.push(err.to_string());
                }
                country_broken |= field == "country";
                let column = format!("{prefix}{field}");
                let Some((_, get)) = access.iter().find(|(c, _)| *c == column || *c == field)
                else {
                    return Err(errors);
                };
                let value = get(&mut probe);
                // A required field needs something to let the next rule speak.
                *value = if value.trim().is_empty() {
                    "-".to_owned()
                } else {
                    String::new()
                };
            }
        }
    }
    Err(errors)
}

/// What each header column fills (None: a column Keydesk does not know, listed by name in
/// `unknown` unless blank). Refused: a column named twice, and a file whose header names
/// neither the company nor the id (most likely a file without a header row).
fn column_targets(headers: &csv::StringRecord) -> Result<(Vec<Option<Target>>, Vec<String>)> {
    let mut targets = Vec::with_capacity(headers.len());
    let mut unknown_columns = Vec::new();
    let mut seen = HashMap::new();
    for (i, header) in headers.iter().enumerate() {
        let target = target(header);
        match target {
            None if !header.trim().is_empty() => unknown_columns.push(header.trim().to_owned()),
            Some(t) => {
                if let Some(first) = seen.insert(t, i) {
                    return Err(file_error(format!(
                        "has the column \"{}\" twice (columns {} and {})",
                        header.trim(),
                        first + 1,
                        i + 1
                    )));
                }
            }
            None => {}
        }
        targets.push(target);
    }
    let has = |t: Target| targets.contains(&Some(t));
    if !has(Target::Contact(0)) && !has(Target::Id) {
        // The first row is not quoted: without a header it is a customer's data, and this
        // message is logged (src-tauri's WireError).
        return Err(file_error(format!(
            "needs a header row with a company_name column (or an id column); its first row \
             ({} columns) names neither — is the header row missing?",
            headers.len()
        )));
    }
    Ok((targets, unknown_columns))
}

/// What a valid row does to the account it matched (`found`; None: a new one): create it,
/// update it (the columns that change, and the blocks' versions the update starts from), or
/// leave it unchanged.
fn what_the_row_does(
    found: Option<&Existing>,
    contact: &ContactForm,
    billing: &BillingForm,
    tags: Option<&BTreeSet<String>>,
) -> (RowAction, Work, Vec<String>) {
    let Some(e) = found else {
        return (RowAction::Create, Work::Create, Vec::new());
    };
    let mut changes = Vec::new();
    let before_contact: ContactForm = e.contact.clone().into();
    let contact_changed = differences(&before_contact, contact, CONTACT_COLUMNS, &mut changes);
    let before_billing: BillingForm = e.billing.clone().map(Into::into).unwrap_or_default();
    let billing_changed = differences(&before_billing, billing, BILLING_COLUMNS, &mut changes);
    if tags.is_some_and(|t| *t != e.tags) {
        changes.push("tags".to_owned());
    }
    let work = Work::Update {
        account_id: e.contact.account_id,
        contact_version: contact_changed.then_some(e.contact.version),
        billing_version: billing_changed
            .then(|| e.billing.as_ref().map(|b| b.version))
            .flatten(),
    };
    let action = if changes.is_empty() {
        RowAction::Unchanged
    } else {
        RowAction::Update
    };
    (action, work, changes)
}

/// Reads `bytes` (the file named `file_name`) and says what importing it would do, checking
/// every row against the forms' rules. Writes nothing.
pub async fn preview_import(store: &Store, file_name: &str, bytes: &[u8]) -> Result<ImportPreview> {
    let text = csv_text(bytes)?;
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(separator(text))
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| file_error(format!("cannot be read as CSV: {e}")))?
        .clone();
    let (targets, unknown_columns) = column_targets(&headers)?;

    let existing = existing_accounts(store.connection()).await?;
    let mut by_company: HashMap<String, Vec<i32>> = HashMap::new();
    for (id, e) in &existing {
        by_company
            .entry(e.contact.company_name.to_lowercase())
            .or_default()
            .push(*id);
    }
    // Which row already claimed an account or a new company name.
    let mut claimed_ids: HashMap<i32, usize> = HashMap::new();
    let mut claimed_names: HashMap<String, usize> = HashMap::new();

    let mut preview = ImportPreview {
        file_name: file_name.to_owned(),
        rows: Vec::new(),
        unknown_columns,
        create: 0,
        update: 0,
        unchanged: 0,
        invalid: 0,
        planned: Vec::new(),
    };
    for (index, record) in reader.records().enumerate() {
        let row = index + 2;
        let record =
            record.map_err(|e| file_error(format!("cannot be read as CSV at row {row}: {e}")))?;
        if record.iter().all(|cell| cell.trim().is_empty()) {
            continue;
        }
        if preview.rows.len() >= MAX_ROWS {
            return Err(file_error(format!(
                "has more than {MAX_ROWS} rows; split it into smaller files"
            )));
        }
        let mut errors: Vec<String> = Vec::new();
        if record.len() > targets.len() {
            errors.push(format!(
                "has {} cells but the header has {} columns",
                record.len(),
                targets.len()
            ));
        }
        let cell = |t: Target| -> Option<&str> {
            targets
                .iter()
                .position(|x| *x == Some(t))
                .map(|i| unguard(record.get(i).unwrap_or("")))
        };
        let company_cell = cell(Target::Contact(0)).unwrap_or("").trim().to_owned();

        // Which account the row means.
        let mut matched: Option<i32> = None;
        match cell(Target::Id).map(str::trim).filter(|c| !c.is_empty()) {
            Some(id) => match id.parse::<i32>() {
                Ok(id) if existing.contains_key(&id) => matched = Some(id),
                _ => errors.push(format!("id: no account has the id {id}")),
            },
            None if !company_cell.is_empty() => {
                match by_company.get(&company_cell.to_lowercase()).map(Vec::as_slice) {
                    Some([id]) => matched = Some(*id),
                    Some(ids) if ids.len() > 1 => errors.push(format!(
                        "Company name: {} accounts are called {company_cell}; add an id column to say which",
                        ids.len()
                    )),
                    _ => {}
                }
            }
            None => {}
        }
        match matched {
            Some(id) => {
                if let Some(first) = claimed_ids.insert(id, row) {
                    errors.push(format!("is the same account as row {first}"));
                }
            }
            None if !company_cell.is_empty() => {
                if let Some(first) = claimed_names.insert(company_cell.to_lowercase(), row) {
                    errors.push(format!(
                        "Company name: {company_cell} is also new in row {first}"
                    ));
                }
            }
            None => {}
        }

        // The forms: the account's values with the file's columns over them.
        let found = matched.and_then(|id| existing.get(&id));
        let mut contact_form: ContactForm =
            found.map(|e| e.contact.clone().into()).unwrap_or_default();
        let mut billing_form: BillingForm = found
            .and_then(|e| e.billing.clone())
            .map(Into::into)
            .unwrap_or_default();
        for (i, (_, get)) in CONTACT_COLUMNS.iter().enumerate() {
            if let Some(value) = cell(Target::Contact(i)) {
                *get(&mut contact_form) = value.to_owned();
            }
        }
        for (i, (_, get)) in BILLING_COLUMNS.iter().enumerate() {
            if let Some(value) = cell(Target::Billing(i)) {
                *get(&mut billing_form) = value.to_owned();
            }
        }
        let notes = street_lines(&mut contact_form, &mut billing_form);
        let contact = check_all(&contact_form, ContactForm::validate, CONTACT_COLUMNS, "");
        let billing = check_all(
            &billing_form,
            BillingForm::validate,
            BILLING_COLUMNS,
            "billing_",
        );
        let tags = match cell(Target::Tags).map(parse_tags).transpose() {
            Ok(tags) => tags,
            Err(err) => {
                errors.push(err.to_string());
                None
            }
        };
        let (contact, billing) = match (contact, billing) {
            (Ok(c), Ok(b)) if errors.is_empty() => (c, b),
            (c, b) => {
                errors.extend(c.err().unwrap_or_default());
                errors.extend(b.err().unwrap_or_default());
                preview.invalid += 1;
                preview.rows.push(PreviewRow {
                    row,
                    company_name: company_cell,
                    action: RowAction::Invalid,
                    account_id: matched,
                    changes: Vec::new(),
                    errors: errors
                        .into_iter()
                        .map(|e| format!("row {row}, {e}"))
                        .collect(),
                    notes,
                });
                continue;
            }
        };

        let (action, work, changes) = what_the_row_does(found, &contact, &billing, tags.as_ref());
        match action {
            RowAction::Create => preview.create += 1,
            RowAction::Update => preview.update += 1,
            RowAction::Unchanged | RowAction::Invalid => preview.unchanged += 1,
        }
        if action != RowAction::Unchanged {
            preview.planned.push(Planned {
                work,
                contact,
                billing,
                tags,
            });
        }
        preview.rows.push(PreviewRow {
            row,
            company_name: company_cell,
            action,
            account_id: matched,
            changes,
            errors: Vec::new(),
            notes,
        });
    }
    if preview.rows.is_empty() {
        return Err(file_error("has a header row but no accounts under it"));
    }
    Ok(preview)
}

/// The lines of a cell that holds a line break (a CRM's multi-line address, quoted in the CSV),
/// trimmed, empty ones dropped; None when it is one line.
fn lines_of(value: &str) -> Option<Vec<String>> {
    value.contains(['\n', '\r']).then(|| {
        value
            .split(['\n', '\r'])
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect()
    })
}

/// Streets written on several lines, taken as a person would: the contact's street joined
/// with ", "; the billing street's first line kept as line 1 and the rest put before what
/// line 2 held. Each change is said.
fn street_lines(contact: &mut ContactForm, billing: &mut BillingForm) -> Vec<String> {
    let mut notes = Vec::new();
    if let Some(lines) = lines_of(&contact.street) {
        contact.street = lines.join(", ");
        notes.push(format!(
            "Street: its {} lines were joined with \", \"",
            lines.len()
        ));
    }
    if let Some(lines) = lines_of(&billing.street_line1) {
        let (first, rest) = lines
            .split_first()
            .map_or((String::new(), &[][..]), |(f, r)| (f.clone(), r));
        billing.street_line1 = first;
        if !rest.is_empty() {
            let rest = rest.join(", ");
            let line2 = billing.street_line2.trim();
            billing.street_line2 = if line2.is_empty() {
                rest
            } else {
                format!("{rest}, {line2}")
            };
            notes
                .push("Billing street: its second line went to billing street (line 2)".to_owned());
        }
    }
    if let Some(lines) = lines_of(&billing.street_line2) {
        billing.street_line2 = lines.join(", ");
        notes.push(format!(
            "Billing street (line 2): its {} lines were joined with \", \"",
            lines.len()
        ));
    }
    notes
}

/// Adds the columns whose values differ to `changes`; whether any did.
fn differences<F: Clone>(
    before: &F,
    after: &F,
    access: &[(&str, Access<F>)],
    changes: &mut Vec<String>,
) -> bool {
    let (mut before, mut after) = (before.clone(), after.clone());
    let mut any = false;
    for (column, get) in access {
        if get(&mut before) != get(&mut after) {
            changes.push((*column).to_owned());
            any = true;
        }
    }
    any
}

/// Writes the valid rows of `preview` in one transaction: all of them or, if any fails (an
/// account changed or deleted since the preview), none.
pub async fn commit_import(store: &Store, preview: &ImportPreview) -> Result<ImportOutcome> {
    let write = store.write().await?;
    let detail = format!("imported from {}", preview.file_name);
    let mut events = Vec::with_capacity(preview.planned.len());
    // The new accounts first, in one batch, in the file's order.
    let creates: Vec<&Planned> = preview
        .planned
        .iter()
        .filter(|p| matches!(p.work, Work::Create))
        .collect();
    let ids = insert_accounts(
        &write,
        creates
            .iter()
            .map(|p| (p.contact.clone(), p.billing.clone()))
            .collect(),
    )
    .await?;
    let mut new_tags: Vec<(i32, String)> = Vec::new();
    for (&id, planned) in ids.iter().zip(&creates) {
        events.push(Event::new(
            Subject::account(id),
            Action::AccountCreated,
            detail.clone(),
        ));
        if let Some(tags) = &planned.tags {
            new_tags.extend(tags.iter().map(|t| (id, t.clone())));
        }
    }
    for planned in &preview.planned {
        match planned.work {
            Work::Create => {}
            Work::Update {
                account_id,
                contact_version,
                billing_version,
            } => {
                if let Some(version) = contact_version {
                    let mut event =
                        write_contact(&write, account_id, version, planned.contact.clone()).await?;
                    event.detail = detail.clone();
                    events.push(event);
                }
                if let Some(version) = billing_version {
                    let mut event =
                        write_billing(&write, account_id, version, planned.billing.clone()).await?;
                    event.detail = detail.clone();
                    events.push(event);
                }
                if let Some(tags) = &planned.tags {
                    events.extend(replace_tags(&write, account_id, tags).await?);
                }
            }
        }
    }
    insert_tags(&write, new_tags.iter().map(|(id, t)| (*id, t))).await?;
    write.commit_all(&events).await?;
    // PostgreSQL's planner needs statistics after a bulk load. Not VACUUM as the demo seeder
    // does: the person is waiting here, and autovacuum sets the visibility map soon after.
    if preview.create >= 1000 && store.connection().get_database_backend() == DbBackend::Postgres {
        store.connection().execute_unprepared("ANALYZE").await?;
    }
    Ok(ImportOutcome {
        created: preview.create,
        updated: preview.update,
        unchanged: preview.unchanged,
        skipped: preview.invalid,
    })
}

/// Which accounts an export writes (defined beside the bulk actions' use of it).
pub use crate::selection::Selection;

/// The accounts as CSV (UTF-8, RFC 4180 quoting, the header `columns()`), by company name.
/// `preview_import` reads it back to exactly these values.
pub async fn export_accounts(store: &Store, selection: &Selection) -> Result<String> {
    let db = store.connection();
    let wanted: Option<BTreeSet<i32>> = match selection {
        Selection::All => None,
        some => Some(some.account_ids(store).await?.into_iter().collect()),
    };
    let order: Vec<i32> = account::Entity::find()
        .order_by_asc(account::Column::SortName)
        .order_by_asc(account::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|a| a.id)
        .filter(|id| wanted.as_ref().is_none_or(|w| w.contains(id)))
        .collect();
    let mut existing = existing_accounts(db).await?;
    let mut out = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    let csv_error = |e: csv::Error| file_error(format!("could not be written: {e}"));
    out.write_record(columns()).map_err(csv_error)?;
    for id in order {
        let Some(e) = existing.remove(&id) else {
            continue;
        };
        let mut contact: ContactForm = e.contact.into();
        let mut billing: BillingForm = e.billing.map(Into::into).unwrap_or_default();
        let mut record = vec![id.to_string()];
        record.extend(
            CONTACT_COLUMNS
                .iter()
                .map(|(_, get)| guard(get(&mut contact))),
        );
        record.extend(
            BILLING_COLUMNS
                .iter()
                .map(|(_, get)| guard(get(&mut billing))),
        );
        record.push(guard(&join_tags(&e.tags)));
        out.write_record(&record).map_err(csv_error)?;
    }
    let bytes = out
        .into_inner()
        .map_err(|e| file_error(format!("could not be written: {e}")))?;
    String::from_utf8(bytes).map_err(|_| file_error("could not be written as UTF-8"))
}

/// The bytes of the file an import reads: a regular file (a link to one is followed) of at most
/// `MAX_FILE_BYTES`, read with that bound whatever size it claims — a FIFO, `/dev/zero` or a
/// file growing while read is refused rather than read until memory runs out.
pub fn read_import_file(path: &std::path::Path) -> Result<Vec<u8>> {
    let shown = path.display();
    match crate::private_files::read_bounded(path, MAX_FILE_BYTES) {
        Ok(Some(bytes)) => Ok(bytes),
        Ok(None) => Err(Error::invalid(
            "path",
            "The file",
            format!(
                "{shown} holds more than {} MB; an import takes at most {} MB",
                MAX_FILE_BYTES / (1024 * 1024),
                MAX_FILE_BYTES / (1024 * 1024)
            ),
        )),
        Err(err) => Err(Error::invalid(
            "path",
            "The file",
            format!("{shown}: {err}"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// ui/transfer.js's ACTION_LABEL keys and `tr[data-action]` read these words.
    #[test]
    fn row_actions_cross_to_the_page_as_lowercase_words() {
        let words: Vec<String> = [
            RowAction::Create,
            RowAction::Update,
            RowAction::Unchanged,
            RowAction::Invalid,
        ]
        .iter()
        .map(|a| serde_json::to_string(a).unwrap())
        .collect();
        assert_eq!(
            words,
            ["\"create\"", "\"update\"", "\"unchanged\"", "\"invalid\""]
        );
    }

    #[test]
    fn guarded_cells_read_back_unchanged() {
        for value in [
            "=cmd|' /C calc'!A0",
            "@SUM(A1)",
            "-2+3",
            "'=already",
            "''=twice",
            "'plain",
            "+13035550134",
            "+13035550134 ext. 12",
            "plain",
            "",
        ] {
            assert_eq!(unguard(&guard(value)), value, "{value}");
        }
        assert_eq!(guard("=cmd|' /C calc'!A0"), "'=cmd|' /C calc'!A0");
        assert_eq!(guard("+1 303 555"), "+1 303 555");
        assert_eq!(guard("+SUM(1)"), "'+SUM(1)");
    }

    #[test]
    fn headers_map_by_name_and_label() {
        assert_eq!(target("Company name"), Some(Target::Contact(0)));
        assert_eq!(target(" EMAIL ADDRESS "), Some(Target::Contact(9)));
        assert_eq!(target("Billing street (line 2)"), Some(Target::Billing(2)));
        assert_eq!(target("Billing state / region"), Some(Target::Billing(4)));
        assert_eq!(target("tags"), Some(Target::Tags));
        assert_eq!(target("favourite colour"), None);
        for column in columns() {
            assert!(target(column).is_some(), "{column}");
        }
    }
}
