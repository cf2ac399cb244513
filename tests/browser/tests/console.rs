//! The web console in headless Chromium, as a person debugging a workflow uses it: the list of
//! state machines and executions, a failed execution's graph with its failed and caught states,
//! an expanded history event, Stop on a running execution, Send success for a waiting task
//! token, the login when the server has credentials, and markup in an input rendered as text.
//! Screenshots are saved in `<target>/tmp/console-screenshots/`.

use std::path::PathBuf;
use std::time::Duration;

use asl_browser_tests::{Browser, Console};
use asl_runtime::{ExecutionId, StartOptions, Status};
use fantoccini::Locator;
use serde_json::json;

fn shots() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("console-screenshots")
}

async fn start(
    console: &Console,
    workflow: &str,
    name: &str,
    input: serde_json::Value,
) -> ExecutionId {
    console
        .engine
        .start(workflow, input, StartOptions::default().name(name))
        .await
        .expect("started")
}

async fn wait_status(console: &Console, id: &ExecutionId, want: Status) {
    for _ in 0..200 {
        let d = console.engine.describe(id).await.expect("described");
        if d.status == want {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{id} never reached {want:?}");
}

/// Waits until the approval's Task has asked for its answer (its TaskSubmitted is stored).
async fn wait_for_token(console: &Console, id: &ExecutionId) {
    for _ in 0..200 {
        let history = console.engine.history(id).await.expect("history");
        if history.iter().any(|e| e.kind == "TaskSubmitted") {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{id} never waited for its token");
}

/// Open the list, open a failed execution, find the failed state marked failed and the caught
/// one caught (CATCH-1, RETRY-1), open a state's visits and expand an event.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn debug_a_failed_execution() {
    let Some(browser) = Browser::start(&shots()).await else {
        return;
    };
    let console = Console::start(asl_server::Config::new()).await;
    let parcels = json!([{ "id": 1, "weight": 2.5 }, { "id": 2, "weight": 1 }]);
    let south = start(
        &console,
        "shipment",
        "ship-south",
        json!({ "region": "south", "parcels": parcels }),
    )
    .await;
    let north = start(
        &console,
        "shipment",
        "ship-north",
        json!({ "region": "north", "parcels": parcels }),
    )
    .await;
    wait_status(&console, &south, Status::Succeeded).await;
    wait_status(&console, &north, Status::Failed).await;

    let c = &browser.client;
    c.goto(&console.base).await.expect("the console opens");
    browser
        .find("[data-machine=\"shipment\"], a[href*=\"shipment\"]")
        .await;
    browser.screenshot("machines").await;
    c.find(Locator::LinkText("shipment"))
        .await
        .expect("a link to the shipment executions")
        .click()
        .await
        .expect("clicked");
    let row = browser.find("tr[data-execution=\"ship-north\"]").await;
    assert_eq!(
        row.attr("data-status").await.unwrap().as_deref(),
        Some("FAILED")
    );
    let ok = browser.find("tr[data-execution=\"ship-south\"]").await;
    assert_eq!(
        ok.attr("data-status").await.unwrap().as_deref(),
        Some("SUCCEEDED")
    );
    browser.screenshot("executions").await;

    row.find(Locator::LinkText("ship-north"))
        .await
        .expect("a link to the execution")
        .click()
        .await
        .expect("clicked");
    assert_eq!(browser.status_of("Book courier").await, "caught");
    let caught = browser.find("[data-state=\"Book courier\"]").await;
    let outcomes = caught
        .attr("data-outcomes")
        .await
        .unwrap()
        .unwrap_or_default();
    assert!(
        outcomes.contains("retried:2"),
        "Book courier was retried twice: {outcomes}"
    );
    assert_eq!(browser.status_of("Not shipped").await, "failed");
    assert_eq!(browser.status_of("Shipped").await, "not-reached");
    let labels = browser.find("[data-state=\"Print label\"]").await;
    assert_eq!(
        labels.attr("data-visits").await.unwrap().as_deref(),
        Some("2"),
        "one visit per parcel"
    );
    let body = c
        .find(Locator::Css("body"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        body.contains("Shipment.NotBooked"),
        "the error is in the summary"
    );
    browser.screenshot("failed-execution").await;
    browser.full_screenshot("failed-execution-full").await;

    // The caught state's visits: its error, and its retries.
    caught.click().await.expect("the state opens");
    let visits = browser.find("section#visits").await;
    assert!(
        visits.is_displayed().await.unwrap(),
        "the visits panel is shown"
    );
    let text = visits.text().await.unwrap();
    assert!(text.contains("Courier.Busy"), "{text}");
    browser.screenshot("state-visits").await;

    // One event, expanded: its details.
    let event = browser.find("tr[data-event-type=\"TaskFailed\"]").await;
    event
        .find(Locator::Css("summary"))
        .await
        .expect("an expandable event")
        .click()
        .await
        .expect("expanded");
    let details = event.text().await.unwrap();
    assert!(
        details.contains("every courier in the north region is out"),
        "{details}"
    );
    browser.screenshot("event-expanded").await;
    browser.close().await;
}

/// Stop a running execution from its page: it ends ABORTED (EXEC-6).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stop_a_running_execution() {
    let Some(browser) = Browser::start(&shots()).await else {
        return;
    };
    let console = Console::start(asl_server::Config::new()).await;
    let id = open_waiting_approval(&browser, &console, "expense-stop", 9000).await;
    browser.screenshot("running-execution").await;
    browser.click("button[data-action=\"stop\"]").await;
    browser.find("#live[data-status=\"ABORTED\"]").await;
    wait_status(&console, &id, Status::Aborted).await;
    assert_eq!(browser.status_of("Request approval").await, "aborted");
    browser.screenshot("stopped-execution").await;
    browser.close().await;
}

/// Answer a waiting task token from the page: the execution goes on and succeeds (TASK-4).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn send_success_for_a_waiting_token() {
    let Some(browser) = Browser::start(&shots()).await else {
        return;
    };
    let console = Console::start(asl_server::Config::new()).await;
    let id = open_waiting_approval(&browser, &console, "expense-ok", 120).await;
    let c = &browser.client;
    let output = browser.find("textarea[name=\"output\"]").await;
    output.clear().await.unwrap();
    output.send_keys(r#"{"approved": true}"#).await.unwrap();
    browser.screenshot("send-success").await;
    browser.click("button[data-action=\"send-success\"]").await;
    wait_status(&console, &id, Status::Succeeded).await;
    c.refresh().await.unwrap();
    browser.find("#live[data-status=\"SUCCEEDED\"]").await;
    assert_eq!(browser.status_of("Pay").await, "succeeded");
    browser.close().await;
}

/// With credentials, the console asks for them: nothing shows before, a wrong secret is
/// refused, the right one opens it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_console_asks_for_the_servers_credentials() {
    let Some(browser) = Browser::start(&shots()).await else {
        return;
    };
    let config = asl_server::Config::new().credential("AKIDCONSOLE", "console-secret");
    let console = Console::start(config).await;
    let c = &browser.client;
    c.goto(&console.base).await.unwrap();
    assert!(
        !browser.has("a[href*=\"shipment\"]").await,
        "no data before the login"
    );
    browser.screenshot("login").await;
    login(&browser, "wrong").await;
    // The answer is a new page: wait for it (the refusal says so) before looking at the form.
    browser
        .find("p.flash.error[data-problem=\"credentials\"]")
        .await;
    assert!(
        browser.has("input[name=\"secret\"]").await,
        "a wrong secret is refused"
    );
    login(&browser, "console-secret").await;
    // The console after the login (a new page: wait for it).
    browser.find("a[href*=\"shipment\"]").await;
    browser.close().await;
}

/// An input holding markup and script is shown as text: nothing runs (the page's
/// Content-Security-Policy and escaping both stand in the way).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn markup_in_an_input_is_text() {
    let Some(browser) = Browser::start(&shots()).await else {
        return;
    };
    let console = Console::start(asl_server::Config::new()).await;
    let evil = "<script>window.pwned = 1</script><img src=x onerror=\"window.pwned = 2\">";
    let id = start(
        &console,
        "shipment",
        "ship-evil",
        json!({ "region": evil, "parcels": [] }),
    )
    .await;
    wait_status(&console, &id, Status::Succeeded).await;
    open_execution(&browser, &console, "shipment", "ship-evil").await;
    let c = &browser.client;
    browser.find("[data-state=\"Shipped\"]").await;
    let body = c
        .find(Locator::Css("body"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        body.contains("<script>window.pwned = 1</script>"),
        "the input is shown as text"
    );
    let pwned = c
        .execute("return window.pwned === undefined;", vec![])
        .await
        .unwrap();
    assert_eq!(pwned, json!(true), "no script from the input ran");
    browser.close().await;
}

/// Fills the login form and submits it.
async fn login(browser: &Browser, secret: &str) {
    let key = browser.find("input[name=\"access_key\"]").await;
    key.clear().await.unwrap();
    key.send_keys("AKIDCONSOLE").await.unwrap();
    let field = browser.find("input[name=\"secret\"]").await;
    field.clear().await.unwrap();
    field.send_keys(secret).await.unwrap();
    browser
        .find("button[type=\"submit\"]")
        .await
        .click()
        .await
        .unwrap();
}

/// Opens the console, then the machine's executions, then the execution `name`, by their links.
async fn open_execution(browser: &Browser, console: &Console, machine: &str, name: &str) {
    browser.client.goto(&console.base).await.unwrap();
    browser
        .client
        .find(Locator::LinkText(machine))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    browser
        .click(&format!("tr[data-execution=\"{name}\"] a"))
        .await;
}

/// A running execution's page follows it by itself: the answer to its task token arrives
/// from elsewhere (the API, here the engine) and the page, left open, shows it SUCCEEDED
/// with its last state drawn succeeded (EXEC-5, TASK-4). Then the keyboard alone opens a
/// state's visits: Tab to a graph node, Enter.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_running_execution_updates_itself_and_the_keyboard_opens_a_state() {
    let Some(browser) = Browser::start(&shots()).await else {
        return;
    };
    let console = Console::start(asl_server::Config::new()).await;
    let id = open_waiting_approval(&browser, &console, "expense-live", 75).await;
    let tokens = console.engine.waiting_tokens(&id).await.expect("tokens");
    assert_eq!(tokens.len(), 1, "{tokens:?}");
    console
        .engine
        .send_task_success(&tokens[0].token, json!({ "approved": true }))
        .await
        .expect("answered");
    // No reload by the test: the page's script notices the end.
    browser.find("#live[data-status=\"SUCCEEDED\"]").await;
    assert_eq!(browser.status_of("Pay").await, "succeeded");
    assert_eq!(browser.status_of("Rejected").await, "not-reached");

    // Keyboard: focus the Pay node as Tab would reach it, then Enter.
    let pay = browser.find("[data-state=\"Pay\"]").await;
    assert_eq!(pay.attr("tabindex").await.unwrap().as_deref(), Some("0"));
    browser
        .client
        .execute(
            "document.querySelector('[data-state=\"Pay\"]').focus(); return document.activeElement.getAttribute('data-state');",
            vec![],
        )
        .await
        .expect("focused");
    pay.send_keys("\u{E007}").await.expect("Enter");
    let visits = browser.find("section#visits").await;
    let text = visits.text().await.unwrap();
    assert!(text.contains("Pay"), "{text}");
    browser.screenshot("keyboard-visits").await;
    browser.close().await;
}

/// Starts an approval of `amount` named `name`, waits until it waits for its task token, and
/// opens its page, where the waiting state is drawn running.
async fn open_waiting_approval(
    browser: &Browser,
    console: &Console,
    name: &str,
    amount: u64,
) -> ExecutionId {
    let id = start(console, "approval", name, json!({ "amount": amount })).await;
    wait_for_token(console, &id).await;
    open_execution(browser, console, "approval", name).await;
    assert_eq!(browser.status_of("Request approval").await, "running");
    id
}
