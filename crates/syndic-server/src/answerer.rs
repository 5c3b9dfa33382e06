//! The answer threads: one per core, each computing the answers (queries,
//! `GET /v1/documents/{id}`, stories) it takes from one queue, first come,
//! first served, on its own thread.
//!
//! Why (issue 15): an answer runs the batch pipeline, whose stages are
//! rayon parallel loops. Fifty queries at once, each on the blocking pool
//! handing every stage to rayon's global pool, queued behind the others'
//! stages once per stage (`bench/results/2026-12-02/index-reprint-load.md`).
//! Answers were then computed one per core, each inside a one-thread pool
//! of the blocking thread it ran on; but `install` hands the work to that
//! pool's own worker thread and wakes it, and the worker, idle again after
//! each answer, spun yielding the core before it slept (8 % of the
//! server's CPU under load). Here each answer thread *is* the one worker of
//! its pool (`use_current_thread`): the pipeline's parallel loops run
//! inline on the thread that answers, with no hand-off, no second thread
//! and no spinning; between answers the thread sleeps on the queue. The
//! answers are the same (the pipeline's results never depend on its thread
//! count).

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{mpsc, Arc, Mutex, PoisonError};

use tokio::sync::oneshot;

use crate::error::ApiError;

type Job = Box<dyn FnOnce() + Send>;

/// A handle on the answer threads; cheap to clone. The threads end when
/// the last handle is dropped.
#[derive(Clone)]
pub(crate) struct Answerers {
    jobs: mpsc::Sender<Job>,
}

impl Answerers {
    /// Starts one answer thread per core.
    pub(crate) fn start() -> Answerers {
        let (jobs, queue) = mpsc::channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        for i in 0..std::thread::available_parallelism().map_or(1, usize::from) {
            let queue = queue.clone();
            std::thread::Builder::new()
                .name(format!("syndic-answer-{i}"))
                .spawn(move || run(&queue))
                .expect("the OS lets a process start a thread");
        }
        Answerers { jobs }
    }

    /// Computes `op` on an answer thread, once one is free.
    pub(crate) async fn answer<T: Send + 'static>(
        &self,
        op: impl FnOnce() -> syndic::Result<T> + Send + 'static,
    ) -> Result<T, ApiError> {
        let (reply, answered) = oneshot::channel();
        // A panic (a bug) is the request's error, and the thread lives on.
        // The job runs to its end even if the client goes away.
        let job: Job = Box::new(move || {
            let _ = reply.send(catch_unwind(AssertUnwindSafe(op)));
        });
        let failed = || ApiError::internal("the index read failed unexpectedly");
        self.jobs.send(job).map_err(|_| failed())?;
        match answered.await {
            Ok(Ok(result)) => result.map_err(|e| ApiError::from(&e)),
            Ok(Err(_)) | Err(_) => Err(failed()),
        }
    }
}

/// An answer thread: the one worker of its own rayon pool, taking jobs
/// until every handle is gone.
fn run(queue: &Mutex<mpsc::Receiver<Job>>) {
    // Building it cannot fail on a thread of our own that no pool uses
    // (nothing is spawned); were it to, the answers would run in rayon's
    // global pool instead: slower under load, the same answers.
    let _pool = rayon::ThreadPoolBuilder::new().num_threads(1).use_current_thread().build();
    loop {
        // The lock is held while waiting, so the threads take jobs in turn.
        let job = queue.lock().unwrap_or_else(PoisonError::into_inner).recv();
        match job {
            Ok(job) => job(),
            Err(_) => return,
        }
    }
}
