//! The org's faults: the ones that answer instead of the work (`errorRate`), and the one that
//! does the work and loses its answer (`loseAnswers`), which a client can only tell apart by
//! looking at the org afterwards.

use reqwest::Method;
use serde_json::{Value, json};

use super::{Org, start};

impl Org {
    /// A `/_sandbox` GET.
    async fn knob_get(&self, path: &str) -> Value {
        self.http
            .get(format!("{}/_sandbox/{path}", self.base))
            .send()
            .await
            .expect("knob")
            .json()
            .await
            .expect("json")
    }

    /// The only org's records, as the knob lists them.
    async fn records(&self) -> Vec<Value> {
        let orgs = self.knob_get("orgs").await;
        let org_id = orgs[0]["orgId"].as_str().expect("org id");
        let records = self.knob_get(&format!("orgs/{org_id}/records")).await;
        records.as_array().cloned().expect("a list")
    }

    /// A write as a client sends it, without expecting an answer.
    async fn try_write(
        &self,
        method: Method,
        path: &str,
        token: &str,
        body: Value,
    ) -> Result<reqwest::Response, reqwest::Error> {
        self.http
            .request(method, format!("{}/services/data/v60.0/{path}", self.base))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
    }
}

#[tokio::test]
async fn a_lost_answer_closes_the_connection_after_the_record_is_made() {
    let org = start().await;
    let access = org.access().await;
    assert_eq!(org.org_knob("faults", json!({"loseAnswers": 1})).await, 200);
    let grace = json!({"LastName": "Hopper", "Email": "grace@acme.test"});

    let lost = org
        .try_write(Method::POST, "sobjects/Contact", &access, grace)
        .await;

    let error = lost.expect_err("no answer at all, not even a status");
    assert!(!error.is_status() && !error.is_timeout(), "{error:?}");
    let records = org.records().await;
    assert_eq!(records.len(), 1, "the create was made: {records:?}");
    assert_eq!(records[0]["Email"], "grace@acme.test");
    let next = json!({"LastName": "Turing", "Email": "alan@acme.test"});
    let answered = org
        .try_write(Method::POST, "sobjects/Contact", &access, next)
        .await
        .expect("the next write is answered");
    assert_eq!(answered.status(), 201);
    let counters = org.knob_get("counters").await;
    assert_eq!(
        (&counters["answersLost"], &counters["faultsInjected"]),
        (&json!(1), &json!(1))
    );
    let requests = org.knob_get("requests").await;
    let creates: Vec<&Value> = requests
        .as_array()
        .expect("a list")
        .iter()
        .filter(|r| r["path"] == "/services/data/v60.0/sobjects/Contact")
        .map(|r| &r["status"])
        .collect();
    assert_eq!(
        creates,
        [&json!(444), &json!(201)],
        "nginx's 444 in the log"
    );
}

#[tokio::test]
async fn a_refused_write_keeps_its_answer_and_the_next_update_loses_its_own() {
    let org = start().await;
    let access = org.access().await;
    let created = org
        .try_write(
            Method::POST,
            "sobjects/Contact",
            &access,
            json!({"LastName": "Hopper"}),
        )
        .await
        .expect("answered");
    let id: Value = created.json().await.expect("json");
    let contact = format!("sobjects/Contact/{}", id["id"].as_str().expect("an id"));
    assert_eq!(org.org_knob("faults", json!({"loseAnswers": 1})).await, 200);

    let refused = org
        .try_write(
            Method::POST,
            "sobjects/Contact",
            &access,
            json!({"Email": "x@acme.test"}),
        )
        .await
        .expect("a refusal is answered");
    let read = org.get(&contact, &access).await;
    let lost = org
        .try_write(
            Method::PATCH,
            &contact,
            &access,
            json!({"Title": "Rear Admiral"}),
        )
        .await;

    assert_eq!(refused.status(), 400);
    assert_eq!(read.status, 200, "reads never lose their answer");
    assert!(lost.is_err(), "the update's answer is lost");
    let records = org.records().await;
    assert_eq!(records.len(), 1, "{records:?}");
    assert_eq!(records[0]["Title"], "Rear Admiral", "the update was made");
}

#[tokio::test]
async fn an_error_rate_answers_500_or_503_without_doing_anything() {
    let org = start().await;
    let access = org.access().await;
    assert_eq!(org.org_knob("faults", json!({"errorRate": 1.0})).await, 200);

    let mut codes = Vec::new();
    for n in 0..20 {
        let body = json!({"LastName": "Hopper", "Email": format!("grace{n}@acme.test")});
        let answer = org
            .rest(Method::POST, "sobjects/Contact", &access, Some(body))
            .await;
        codes.push(answer.error().0);
        let code = answer.error().1.map(str::to_owned);
        let expected = match answer.status {
            500 => "UNKNOWN_EXCEPTION",
            _ => "SERVER_UNAVAILABLE",
        };
        assert_eq!(code.as_deref(), Some(expected), "{}", answer.body);
    }

    assert!(codes.iter().all(|c| [500, 503].contains(c)), "{codes:?}");
    assert!(
        codes.contains(&500) && codes.contains(&503),
        "both, at even odds: {codes:?}"
    );
    assert!(org.records().await.is_empty(), "nothing was made");
    assert_eq!(org.org_knob("faults", json!({"errorRate": 1.5})).await, 400);
    assert_eq!(
        org.org_knob("faults", json!({"loseAnswer": 1})).await,
        400,
        "a typo is refused"
    );
}
