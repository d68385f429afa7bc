//! How the loop orders its ready tasks: `Schedule`, and the priorities of probabilistic concurrency testing.

use std::collections::{HashMap, VecDeque};

use super::rng::Rng;
use super::task::TaskId;

/// The order in which the loop runs its ready tasks (see the ordering rules in
/// [`runtime`](crate::runtime)); set with [`Builder::schedule`](crate::Builder::schedule).
///
/// Only [`Fifo`](Schedule::Fifo) keeps ordering rule 1; the two exploration strategies give it up,
/// each in its own way, and keep rules 2 to 5. [`testing`](crate::testing) says when to use which.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Schedule {
    /// First ready, first run, in turns (ordering rule 1): the default.
    #[default]
    Fifo,
    /// Each turn runs the tasks that were ready when it began in an order drawn from the seed.
    Perturb,
    /// Probabilistic concurrency testing (Burckhardt, Kothari, Musuvathi and Nagarakatte, ASPLOS
    /// 2010): every task gets a random priority, and each step runs the ready task of highest
    /// priority; at `depth - 1` random steps the running task drops below every task that still
    /// has its first priority. A bug that needs `d <= depth` orderings to happen, in a run of at
    /// most `steps` steps among `k` tasks, shows with probability at least `1 / (k * steps^(d-1))`
    /// per seed.
    Pct {
        /// How many orderings the bugs sought may need (at least 1): the run makes `depth - 1`
        /// priority changes.
        depth: usize,
        /// How many steps (polls of a task) the run is expected to take, at least 1: the priority
        /// changes fall on steps drawn from `1..=steps`. Too low, the later steps never see a
        /// change; too high, some changes fall after the end and are lost.
        /// [`Explore::pct`](crate::testing::Explore::pct) measures it for each seed.
        steps: usize,
    },
}

impl Schedule {
    /// Checks the parameters of a PCT schedule.
    ///
    /// # Panics
    /// If `depth` or `steps` of [`Schedule::Pct`] is 0.
    #[track_caller]
    pub(crate) fn validate(self) {
        if let Schedule::Pct { depth, steps } = self {
            assert!(
                depth >= 1,
                "aiochan: a PCT schedule needs a depth of at least 1 (depth 1 makes no priority change)"
            );
            assert!(
                steps >= 1,
                "aiochan: a PCT schedule needs an estimate of at least 1 step"
            );
        }
    }
}

/// The band of priorities that tasks get when the loop first sees them: `[2^63, 2^64)`.
const FIRST_BAND: u64 = 1 << 63;

/// The band of priority change points: change point `i` lowers its task to `CHANGED + i`, below
/// every first priority and above every yielding task.
const CHANGED: u64 = 1 << 62;

/// The state of one PCT run: the priorities of the tasks, the steps at which the running task's
/// priority drops, and the count of steps so far. A higher priority runs first.
#[derive(Debug)]
pub(crate) struct Pct {
    /// Draws the first priority of every task, apart from the loop's own generator so that the
    /// program's random choices do not shift the priorities and the other way round.
    rng: Rng,
    /// The priority of every task the loop has picked from or demoted, by slab key
    /// (`TaskId::MAIN`'s key for the main future), with the generation it belongs to: an entry of
    /// an earlier occupant of the key is replaced when a new task there is first seen.
    priorities: HashMap<u32, (u32, u64)>,
    /// The priority change points: the step, and the priority (in the `CHANGED` band) that the
    /// task polled at that step drops to. Sorted by step.
    changes: Vec<(usize, u64)>,
    /// The steps taken so far: polls of a task picked by priority.
    steps: usize,
    /// The task polled at the latest step, until `after_step` has dealt with it.
    polled: Option<TaskId>,
    /// The priority the next yielding task drops to: below every priority given out so far.
    floor: u64,
}

impl Pct {
    /// The state for a run of `depth` and `steps` (see [`Schedule::Pct`]) from the run's seed.
    pub(crate) fn new(depth: usize, steps: usize, seed: u64) -> Pct {
        // Two streams of their own, so that the first priorities do not depend on the depth: a
        // run of depth 1 takes the same steps as one of a greater depth until its first change.
        let rng = Rng::new(seed ^ 0x7063_745f_7072_696f);
        let mut points = Rng::new(seed ^ 0x7063_745f_6368_6e67);
        let steps = steps.max(1);
        let mut changes: Vec<(usize, u64)> = Vec::with_capacity(depth.saturating_sub(1));
        for i in 1..depth {
            // Distinct steps while there are enough of them: two changes at one step waste one.
            let step = loop {
                let step = points.below(steps as u64) as usize + 1;
                if changes.len() >= steps || changes.iter().all(|&(s, _)| s != step) {
                    break step;
                }
            };
            changes.push((step, CHANGED + i as u64));
        }
        changes.sort_unstable();
        Pct {
            rng,
            priorities: HashMap::new(),
            changes,
            steps: 0,
            polled: None,
            floor: CHANGED,
        }
    }

    /// The steps taken so far.
    pub(crate) fn steps(&self) -> usize {
        self.steps
    }

    /// The task polled at the latest step, if `after_step` has not dealt with it yet.
    pub(crate) fn polled(&self) -> Option<TaskId> {
        self.polled
    }

    /// The priority of `id`, drawn now if the loop has not seen the task before.
    fn priority(&mut self, id: TaskId) -> u64 {
        match self.priorities.get(&id.key) {
            Some(&(gen, priority)) if gen == id.gen => priority,
            _ => {
                let priority = self.rng.next_u64() | FIRST_BAND;
                self.priorities.insert(id.key, (id.gen, priority));
                priority
            }
        }
    }

    /// Lowers the priority of `id` to `to`; never raises it.
    fn lower(&mut self, id: TaskId, to: u64) {
        let priority = self.priority(id).min(to);
        self.priorities.insert(id.key, (id.gen, priority));
    }

    /// One step: moves the ready task of highest priority to the front of `ready` (which holds no
    /// stale ids and is not empty), for the loop to poll it.
    pub(crate) fn pick(&mut self, ready: &mut VecDeque<TaskId>) {
        let mut best = 0;
        let mut best_priority = 0;
        for (i, &id) in ready.iter().enumerate() {
            let priority = self.priority(id);
            // Ties (two draws alike in 63 bits) go to the earlier in the queue.
            if i == 0 || priority > best_priority {
                best = i;
                best_priority = priority;
            }
        }
        ready.swap(0, best);
        self.steps += 1;
        self.polled = Some(ready[0]);
    }

    /// After the step's poll, once: the task just polled drops to its change point's priority
    /// if this step is one, then to the bottom if it woke itself (`yielded`: it yields, or spins
    /// waiting for another task, which must then get to run).
    pub(crate) fn after_step(&mut self, yielded: bool) {
        let Some(id) = self.polled.take() else {
            return;
        };
        let steps = self.steps;
        let changes: Vec<u64> = self
            .changes
            .iter()
            .filter(|&&(step, _)| step == steps)
            .map(|&(_, priority)| priority)
            .collect();
        for priority in changes {
            self.lower(id, priority);
        }
        if yielded {
            self.floor = self.floor.saturating_sub(1);
            self.lower(id, self.floor);
        }
    }

    /// The last turn, after the main future completed: orders all of `ready` (no stale ids) by
    /// priority, highest first, for each to be polled once. Not counted as steps.
    pub(crate) fn order_last_turn(&mut self, ready: &mut VecDeque<TaskId>) {
        let mut ranked: Vec<(u64, TaskId)> = ready.iter().map(|&id| (0, id)).collect();
        for entry in &mut ranked {
            entry.0 = self.priority(entry.1);
        }
        // Stable: ties keep the queue's order.
        ranked.sort_by_key(|&(priority, _)| std::cmp::Reverse(priority));
        ready.clear();
        ready.extend(ranked.into_iter().map(|(_, id)| id));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn task(key: u32) -> TaskId {
        TaskId { key, gen: key + 1 }
    }

    #[test]
    fn change_points_are_distinct_and_within_the_estimate() {
        for seed in 0..200 {
            let pct = Pct::new(4, 5, seed);
            let steps: Vec<usize> = pct.changes.iter().map(|&(s, _)| s).collect();
            assert_eq!(steps.len(), 3);
            assert!(steps.iter().all(|s| (1..=5).contains(s)), "{steps:?}");
            assert!(steps.windows(2).all(|w| w[0] < w[1]), "{steps:?}");
        }
        // More changes than steps: all land in range, some on the same step.
        let pct = Pct::new(4, 2, 9);
        assert_eq!(pct.changes.len(), 3);
        assert!(pct.changes.iter().all(|&(s, _)| (1..=2).contains(&s)));
    }

    #[test]
    fn a_change_point_demotes_the_task_of_its_step_below_every_first_priority() {
        let seed = (0..)
            .find(|&s| Pct::new(2, 3, s).changes[0].0 == 2)
            .unwrap();
        let mut pct = Pct::new(2, 3, seed);
        let (a, b) = (task(0), task(1));
        let mut ready = VecDeque::from([a, b]);
        pct.pick(&mut ready);
        let first = ready[0];
        let other = ready[1];
        pct.after_step(false);
        // Step 1 is no change point: the same task wins again.
        pct.pick(&mut ready);
        assert_eq!(ready[0], first);
        pct.after_step(false);
        // Step 2 was: now the other one wins, for good.
        for _ in 0..3 {
            pct.pick(&mut ready);
            assert_eq!(ready[0], other);
            pct.after_step(false);
        }
    }

    #[test]
    fn a_yielding_task_drops_below_every_other_and_a_change_never_raises_it() {
        let mut pct = Pct::new(3, 2, 5);
        let (a, b, c) = (task(0), task(1), task(2));
        let mut ready = VecDeque::from([a, b, c]);
        pct.pick(&mut ready);
        let yielder = ready[0];
        pct.after_step(true);
        let mut order = Vec::new();
        for _ in 0..2 {
            pct.pick(&mut ready);
            order.push(ready.pop_front().unwrap());
            pct.after_step(false);
        }
        assert!(!order.contains(&yielder), "{order:?}");
        // Past both change points the yielder still ranks last among all three.
        let before = pct.priority(yielder);
        pct.lower(yielder, CHANGED + 2);
        assert_eq!(pct.priority(yielder), before);
        assert!(order.iter().all(|&t| pct.priority(t) > before));
    }

    #[test]
    fn the_same_seed_gives_the_same_priorities_and_a_new_generation_a_new_one() {
        let mut one = Pct::new(2, 10, 42);
        let mut two = Pct::new(5, 10, 42);
        for key in 0..8 {
            assert_eq!(one.priority(task(key)), two.priority(task(key)));
        }
        let old = one.priority(task(3));
        let reused = TaskId { key: 3, gen: 99 };
        assert_ne!(one.priority(reused), old);
        assert!(one.priority(reused) >= FIRST_BAND);
    }
}
