//! What the server does besides answering: keep the CRLs fresh,
//! time-stamp the audit chain's head (hourly, and once more at shutdown),
//! send the webhook outbox and the certificate desk's e-mail notices,
//! make and keep the desk's report when a month (or quarter) ends,
//! purge expired sessions, renew the archive time-stamps of long-term
//! files that fall due. Every replica runs
//! them; the office makes each safe to run concurrently (a webhook
//! delivery and an archive renewal are leased in the database, an anchor is skipped when the head
//! was anchored already).

use std::time::Duration;

use tokio::task::JoinHandle;

use crate::AppState;

/// How often each job runs.
#[derive(Clone, Debug)]
pub struct JobIntervals {
    pub crl: Duration,
    pub audit_anchor: Duration,
    pub webhooks: Duration,
    pub sessions: Duration,
    /// Feeding the search index from the database.
    pub search: Duration,
    /// The certificate desk's e-mail notices (expiry, state, overdue).
    pub desk_notices: Duration,
    /// Archive renewal (long-term files due for a new time-stamp).
    pub archive: Duration,
    /// Looking whether a period ended whose desk report is not kept yet.
    pub desk_reports: Duration,
    /// Documents renewed per archive round.
    pub ltv_batch: u64,
}

impl Default for JobIntervals {
    fn default() -> Self {
        JobIntervals {
            crl: Duration::from_secs(300),
            audit_anchor: Duration::from_secs(3600),
            webhooks: Duration::from_secs(3),
            sessions: Duration::from_secs(600),
            search: Duration::from_secs(2),
            desk_notices: Duration::from_secs(600),
            archive: Duration::from_secs(3600),
            desk_reports: Duration::from_secs(3600),
            ltv_batch: 20,
        }
    }
}

/// Desk notices sent per round.
const NOTICE_BATCH: u64 = 100;

/// Webhook deliveries sent per round.
const WEBHOOK_BATCH: u64 = 50;

/// The running jobs.
pub struct Jobs {
    state: AppState,
    tasks: Vec<JoinHandle<()>>,
}

fn every<F, Fut>(period: Duration, mut f: F) -> JoinHandle<()>
where
    F: FnMut() -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(period.max(Duration::from_millis(100)));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            f().await;
        }
    })
}

impl Jobs {
    pub fn start(state: &AppState, iv: &JobIntervals) -> Jobs {
        let mut tasks = Vec::new();
        let ca = state.ca.clone();
        tasks.push(every(iv.crl, move || {
            let ca = ca.clone();
            async move {
                for which in ["root", "issuing"] {
                    if let Err(e) = ca.current_crl(which).await {
                        tracing::warn!("CRL refresh for {which} failed: {e}");
                    }
                }
            }
        }));
        let office = state.office.clone();
        tasks.push(every(iv.audit_anchor, move || {
            let office = office.clone();
            async move {
                match office.anchor_audit().await {
                    Ok(Some(seq)) => tracing::info!("audit chain time-stamped at entry {seq}"),
                    Ok(None) => {}
                    Err(e) => tracing::warn!("time-stamping the audit chain failed: {e}"),
                }
            }
        }));
        let office = state.office.clone();
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("kyso/", env!("CARGO_PKG_VERSION")))
            .build()
            .unwrap_or_default();
        tasks.push(every(iv.webhooks, move || {
            let (office, client) = (office.clone(), client.clone());
            async move {
                if let Err(e) = office.send_webhooks(&client, WEBHOOK_BATCH).await {
                    tracing::warn!("sending webhooks failed: {e}");
                }
            }
        }));
        let office = state.office.clone();
        tasks.push(every(iv.sessions, move || {
            let office = office.clone();
            async move {
                if let Err(e) = office.purge_sessions().await {
                    tracing::warn!("purging expired sessions failed: {e}");
                }
            }
        }));
        let office = state.office.clone();
        tasks.push(every(iv.desk_notices, move || {
            let office = office.clone();
            async move {
                match office.run_desk_notices(NOTICE_BATCH).await {
                    Ok(r) if r.queued + r.sent + r.failed > 0 => tracing::info!(
                        "desk notices: {} due, {} sent, {} failed",
                        r.queued,
                        r.sent,
                        r.failed
                    ),
                    Ok(_) => {}
                    Err(e) => tracing::warn!("desk notices failed: {e}"),
                }
            }
        }));
        let office = state.office.clone();
        tasks.push(every(iv.desk_reports, move || {
            let office = office.clone();
            async move {
                match office.make_periodic_reports().await {
                    Ok(r) => {
                        for (body, period) in &r.kept {
                            tracing::info!("desk report {period} kept for agency {body}");
                        }
                        for (body, e) in &r.failed {
                            tracing::warn!("desk report for agency {body} not made: {e}");
                        }
                    }
                    Err(e) => tracing::warn!("periodic desk reports failed: {e}"),
                }
            }
        }));
        let office = state.office.clone();
        let batch = iv.ltv_batch;
        tasks.push(every(iv.archive, move || {
            let office = office.clone();
            async move {
                // Documents issued before long-term extension existed
                // join the schedule, due now.
                if let Err(e) = office.schedule_unscheduled().await {
                    tracing::warn!("scheduling documents for archive renewal failed: {e}");
                }
                let margin = office.config().ltv_margin;
                match office.renew_due(margin, batch).await {
                    Ok(r) => {
                        if !r.renewed.is_empty() || !r.failed.is_empty() {
                            tracing::info!(
                                "archive renewal: {} renewed, {} failed",
                                r.renewed.len(),
                                r.failed.len()
                            );
                        }
                        for (doc, e) in &r.failed {
                            tracing::warn!("archive renewal of document {doc} failed: {e}");
                        }
                    }
                    Err(e) => tracing::warn!("archive renewal round failed: {e}"),
                }
            }
        }));
        if let Some(index) = state.search.clone() {
            let office = state.office.clone();
            tasks.push(every(iv.search, move || {
                let (office, index) = (office.clone(), index.clone());
                async move {
                    match office.feed_search(&index).await {
                        Ok(r) if r.indexed > 0 => tracing::debug!(
                            "search index: {} documents written{}",
                            r.indexed,
                            if r.rebuilt { " (rebuilt)" } else { "" }
                        ),
                        Ok(_) => {}
                        // Another process writes the index (a replica on the
                        // same data directory, a reindex): its turn, ours next.
                        Err(e) if e.code == kyso_office::search::feed::BUSY => {
                            tracing::debug!("search index busy: {e}")
                        }
                        Err(e) => tracing::warn!("feeding the search index failed: {e}"),
                    }
                }
            }));
        }
        Jobs {
            state: state.clone(),
            tasks,
        }
    }

    /// Stops the jobs and time-stamps the audit chain's head once more.
    pub async fn stop(self) {
        for t in &self.tasks {
            t.abort();
        }
        match self.state.office.anchor_audit().await {
            Ok(Some(seq)) => tracing::info!("audit chain time-stamped at entry {seq} at shutdown"),
            Ok(None) => {}
            Err(e) => tracing::warn!("time-stamping the audit chain at shutdown failed: {e}"),
        }
    }
}
