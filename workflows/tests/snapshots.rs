//! The emitted ASL and input schema of every workflow, as reviewed snapshots: a change in what
//! `wfc compile` writes shows up as a diff to accept (`cargo insta review`) or fix.

//! The WooCommerce workflows are built for the example stack, examples/woocommerce/stack.toml.

#[test]
fn every_workflow_compiles_to_its_snapshot() {
    let stack =
        wfc_stack::Stack::load(wfc_workflows::EXAMPLE_STACK).expect("the example stack loads");
    for (name, build) in wfc_workflows::all() {
        let compiled =
            build(&stack).unwrap_or_else(|e| panic!("workflow {name} does not compile:\n{e}"));
        insta::assert_snapshot!(
            format!("{name}.asl.json"),
            compiled.machine.to_pretty_json()
        );
        let schema = serde_json::to_string_pretty(&compiled.input_schema).unwrap();
        insta::assert_snapshot!(format!("{name}.input.schema.json"), schema);
    }
}

#[test]
fn the_event_rules_are_their_snapshot() {
    let stack =
        wfc_stack::Stack::load(wfc_workflows::EXAMPLE_STACK).expect("the example stack loads");
    let rules = wfc_workflows::woocommerce::rules::rules(&stack);
    insta::assert_snapshot!("rules.json", serde_json::to_string_pretty(&rules).unwrap());
}
