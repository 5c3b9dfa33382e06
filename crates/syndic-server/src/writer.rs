//! The writer thread: every add and delete goes through it, one write
//! transaction at a time (redb allows no more), and adds queued while a
//! transaction commits are gathered into the next one (group commit).
//!
//! Why a thread and a queue rather than each request opening its own write
//! transaction: a commit costs an fsync, a few milliseconds on most disks,
//! and concurrent transactions would only queue inside redb anyway. Here,
//! fifty clients that each add one document while a commit runs are served
//! by one transaction and one fsync. Each request is answered only after
//! the transaction holding its documents committed.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, PoisonError};

use syndic::index::{AddOutcome, Index, PreparedBatch};
use tokio::sync::oneshot;

use crate::error::ApiError;

/// Documents gathered into one transaction at most: bounds the latency a
/// small add can suffer behind big batches.
const MAX_GROUP_DOCS: usize = 8192;

type Reply<T> = oneshot::Sender<Result<T, ApiError>>;

enum Job {
    Add {
        batch: PreparedBatch,
        reply: Reply<Vec<AddOutcome>>,
    },
    Delete {
        id: String,
        reply: Reply<bool>,
    },
    /// Finish what was queued before, then exit.
    Stop {
        done: oneshot::Sender<()>,
    },
}

/// A handle on the writer thread; cheap to clone.
#[derive(Clone)]
pub(crate) struct Writer {
    jobs: mpsc::Sender<Job>,
    /// Why the last write failed in storage, until one succeeds again.
    failure: Arc<Mutex<Option<String>>>,
}

fn gone() -> ApiError {
    ApiError::new(
        axum::http::StatusCode::SERVICE_UNAVAILABLE,
        "shutting_down",
        "the server is shutting down; nothing was stored",
    )
}

impl Writer {
    pub(crate) fn start(index: Arc<Index>) -> Writer {
        let (jobs, queue) = mpsc::channel();
        let failure = Arc::new(Mutex::new(None));
        let status = Status(failure.clone());
        std::thread::Builder::new()
            .name("syndic-writer".to_owned())
            .spawn(move || run(&index, &queue, &status))
            .expect("the OS lets a process start a thread");
        Writer { jobs, failure }
    }

    /// Why the last write failed in storage (a full disk, an I/O error),
    /// unless a write succeeded since.
    pub(crate) fn failure(&self) -> Option<String> {
        self.failure.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// Adds a prepared batch; returns once it is durable.
    pub(crate) async fn add(&self, batch: PreparedBatch) -> Result<Vec<AddOutcome>, ApiError> {
        let (reply, answer) = oneshot::channel();
        self.jobs.send(Job::Add { batch, reply }).map_err(|_| gone())?;
        answer.await.map_err(|_| gone())?
    }

    /// Deletes the document `id`; `false` when there is none.
    pub(crate) async fn delete(&self, id: String) -> Result<bool, ApiError> {
        let (reply, answer) = oneshot::channel();
        self.jobs.send(Job::Delete { id, reply }).map_err(|_| gone())?;
        answer.await.map_err(|_| gone())?
    }

    /// Lets the writer finish the jobs queued so far, then stops it.
    pub(crate) async fn stop(&self) {
        let (done, finished) = oneshot::channel();
        if self.jobs.send(Job::Stop { done }).is_ok() {
            let _ = finished.await;
        }
    }
}

/// The writer's side of [`Writer::failure`].
struct Status(Arc<Mutex<Option<String>>>);

impl Status {
    /// Notes the outcome of a write and passes it on. Only storage
    /// failures count: a bad request says nothing about the disk.
    fn note<T>(&self, result: Result<T, ApiError>) -> Result<T, ApiError> {
        let failed = match &result {
            Ok(_) => None,
            Err(e) if e.status.is_server_error() => Some(e.message.clone()),
            Err(_) => return result,
        };
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = failed;
        result
    }
}

fn run(index: &Index, queue: &mpsc::Receiver<Job>, status: &Status) {
    // The answers of an add run on this thread, inline, as a query's run
    // on an answer thread (see `crate::answerer`): handed stage by stage
    // to rayon's global pool, each of the hundreds of answers in a group
    // waited for a worker to wake at every stage, and left it spinning.
    // Building it cannot fail on this thread (see `answerer::run`); were
    // it to, the global pool would do the work, with the same results.
    let _pool = rayon::ThreadPoolBuilder::new().num_threads(1).use_current_thread().build();
    let mut next = None;
    loop {
        let Some(job) = next.take().or_else(|| queue.recv().ok()) else { return };
        match job {
            Job::Stop { done } => {
                let _ = done.send(());
                return;
            }
            Job::Delete { id, reply } => {
                let result = guarded(|| index.delete(&id));
                // Deleting nothing commits nothing: it proves no recovery.
                let result = if matches!(result, Ok(false)) { result } else { status.note(result) };
                let _ = reply.send(result);
            }
            Job::Add { batch, reply } => {
                let mut all = batch;
                let mut group = vec![(all.len(), reply)];
                while all.len() < MAX_GROUP_DOCS {
                    match queue.try_recv() {
                        Ok(Job::Add { batch, reply }) => {
                            group.push((batch.len(), reply));
                            all.append(batch);
                        }
                        Ok(other) => {
                            next = Some(other);
                            break;
                        }
                        Err(_) => break,
                    }
                }
                match status.note(guarded(|| index.add_prepared(all))) {
                    Ok(outcomes) => {
                        let mut outcomes = outcomes.into_iter();
                        for (n, reply) in group {
                            let _ = reply.send(Ok(outcomes.by_ref().take(n).collect()));
                        }
                    }
                    Err(err) => {
                        for (_, reply) in group {
                            let _ = reply.send(Err(err.clone()));
                        }
                    }
                }
            }
        }
    }
}

/// Runs one index operation, turning its error, or a panic (a bug; the
/// transaction it was in is dropped uncommitted, so the index stays at its
/// last commit), into the request's error, so the writer lives on.
fn guarded<T>(op: impl FnOnce() -> syndic::Result<T>) -> Result<T, ApiError> {
    match catch_unwind(AssertUnwindSafe(op)) {
        Ok(result) => result.map_err(|e| ApiError::from(&e)),
        Err(_) => {
            Err(ApiError::internal("the index operation failed unexpectedly; nothing was stored"))
        }
    }
}
