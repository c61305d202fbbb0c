//! The activities' integration tests: one moto_server (pinned, from `.tools/venv`) on 127.0.0.1
//! for the whole binary, started before and stopped after every test; tests share it and use
//! unique resource names. libtest-mimic gives the usual test command line and output.

mod app;
mod database;
mod fakes;
mod flush_cache;
mod identity;
mod invalid_input;
mod jobs_gate;
mod logic;
mod probe;
mod redis_fake;
mod schemas;
mod shop_smoke;
mod start_workflow;
mod support;
mod traffic;
#[path = "../common/trial.rs"]
mod trial;

fn main() {
    let args = libtest_mimic::Arguments::from_args();
    let moto = wfc_testkit::MotoServer::start();
    support::set_endpoint(moto.endpoint());
    let mut trials = Vec::new();
    trials.extend(database::tests());
    trials.extend(traffic::tests());
    trials.extend(app::tests());
    trials.extend(logic::tests());
    trials.extend(invalid_input::tests());
    trials.extend(schemas::tests());
    trials.extend(start_workflow::tests());
    trials.extend(identity::tests());
    trials.extend(jobs_gate::tests());
    trials.extend(shop_smoke::tests());
    trials.extend(flush_cache::tests());
    trials.extend(probe::tests());
    let conclusion = libtest_mimic::run(&args, trials);
    drop(moto);
    conclusion.exit();
}
