//! No page may show a program's placeholder or hide a script error (issue 31). ui/dom.js's
//! `fill` and `add`, which every page fills its slots with, tested in the real webview; and the
//! check the page walk (tests/harness/walk.rs) makes at every state, shown to catch what it is
//! for. The walk itself runs in the accessibility and layout tests.

use std::time::Duration;

use keydesk_e2e::walk::page_problems;
use keydesk_e2e::App;
use serde_json::json;

/// Runs `body` (a script's text, with `fill`, `add`, `el` and `clear` from ui/dom.js in scope)
/// in the page and returns what it returns.
fn with_dom_helpers(app: &App, body: &str) -> serde_json::Value {
    let script = format!(
        "const done = arguments[0];
         import('/dom.js').then(({{ fill, add, el, clear }}) => {{ {body} }})
           .then(done, (e) => done({{ failed: String(e) }}));"
    );
    app.exec_async(&script, json!([]), Duration::from_secs(10))
}

#[test]
fn fill_and_add_skip_null_undefined_and_false_as_el_does() {
    let (_dir, app) = App::demo();
    let got = with_dom_helpers(
        &app,
        "const slot = document.createElement('div');
         slot.append('old');
         const shape = (node) => [...node.childNodes].map((n) => n.nodeType === Node.TEXT_NODE ? `text:${n.data}` : `<${n.tagName.toLowerCase()}>${n.textContent}`);
         const children = () => ['a', null, undefined, false, el('b', { text: 'x' }), ['c', [null, 'd', [false, 'e']]], 0, 7, '<i>not html</i>'];
         const filled = fill(slot, ...children());
         const afterFill = shape(slot);
         const added = add(slot, null, 'f', undefined, [false, el('i', { text: 'g' })]);
         const afterAdd = shape(slot);
         const built = shape(el('div', {}, ...children()));
         const emptied = shape(fill(slot, null, undefined, false, []));
         return { sameFilled: filled === slot, sameAdded: added === slot, afterFill, afterAdd, built, emptied,
                  cleared: clear(slot) === slot };",
    );
    let filled = json!([
        "text:a",
        "<b>x",
        "text:c",
        "text:d",
        "text:e",
        "text:0",
        "text:7",
        "text:<i>not html</i>"
    ]);
    let mut added = filled.as_array().unwrap().clone();
    added.extend([json!("text:f"), json!("<i>g")]);
    assert_eq!(
        got,
        json!({
            "sameFilled": true,
            "sameAdded": true,
            // What was there before is gone; null, undefined and false leave nothing; nested
            // arrays are flattened; 0 is a value, not nothing; strings are text, never HTML.
            "afterFill": filled,
            "afterAdd": added,
            // el() adds its children the same way.
            "built": filled,
            "emptied": [],
            "cleared": true,
        })
    );
}

#[test]
fn the_walks_check_sees_a_placeholder_an_error_and_an_unhandled_rejection() {
    let (_dir, app) = App::demo();
    assert_eq!(page_problems(&app), Vec::<String>::new(), "a clean page");

    // What the import preview did before issue 31: DOM append writes null as text.
    app.exec(
        "const p = (text) => { const e = document.createElement('p'); e.textContent = text; return e; };
         const probe = document.createElement('div'); probe.id = 'guard-probe';
         probe.append(p('Summary'), null, null, p('Table'));
         document.getElementById('main').append(probe);",
        json!([]),
    );
    let problems = page_problems(&app);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(
        problems[0].starts_with("“nullnull” in the visible text"),
        "{problems:?}"
    );

    // Placeholders hidden from view do not count; those in an accessible name do.
    app.exec(
        "document.getElementById('guard-probe').hidden = true;
         const b = document.createElement('button'); b.id = 'guard-button'; b.textContent = 'Open';
         b.setAttribute('aria-label', `Open ${undefined}`);
         document.getElementById('main').append(b);",
        json!([]),
    );
    assert_eq!(
        page_problems(&app),
        ["“undefined” in button#guard-button aria-label: …Open undefined…"]
    );
    app.exec(
        "document.getElementById('guard-button').remove()",
        json!([]),
    );

    // Words that merely contain one are not placeholders.
    app.exec(
        "const p = document.createElement('p'); p.id = 'guard-words';
         p.textContent = 'Nullable, undefinedness and NaNs are words; so is Annulled.';
         document.getElementById('main').append(p);",
        json!([]),
    );
    assert_eq!(page_problems(&app), Vec::<String>::new());

    // An error thrown outside any handler, and a promise nobody waits for.
    app.exec(
        "setTimeout(() => { throw new Error('thrown by the guard test'); });
         Promise.reject(new Error('rejected by the guard test'));",
        json!([]),
    );
    app.wait_for("both to be recorded", |a| page_problems(a).len() == 2);
    let problems = page_problems(&app);
    assert!(
        problems[0].starts_with("uncaught error: Error: thrown by the guard test")
            || problems[1].starts_with("uncaught error: Error: thrown by the guard test"),
        "{problems:?}"
    );
    assert!(
        problems.iter().any(
            |p| p.starts_with("unhandled promise rejection: Error: rejected by the guard test")
        ),
        "{problems:?}"
    );
}
