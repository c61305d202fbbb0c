#[test]
fn example_stack_loads() {
    let text = include_str!("../../examples/woocommerce/stack.toml");
    let stack = wfc_stack::Stack::load(text).unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(stack.secondary().0, "us-west-2");
    assert_eq!(
        stack.state_machine_arn("failback"),
        "arn:aws:states:us-west-2:123456789012:stateMachine:woo-failback"
    );
}

#[test]
fn every_example_stack_loads() {
    for text in [
        include_str!("../../examples/woocommerce/stack-aurora.toml"),
        include_str!("../../examples/woocommerce/stack-self-managed.toml"),
    ] {
        wfc_stack::Stack::load(text).unwrap_or_else(|e| panic!("{e:?}"));
    }
}

#[test]
fn a_self_managed_database_is_fenced_by_read_only_only() {
    let text = include_str!("../../examples/woocommerce/stack-self-managed.toml").replace(
        r#"fence = { method = "read_only" }"#,
        r#"fence = { method = "stop" }"#,
    );
    let errors = wfc_stack::Stack::load(&text).expect_err("refused");
    let text: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
    assert_eq!(text.len(), 1, "{text:#?}");
    assert!(
        text[0]
            .starts_with("policy.fence.method: expected \"read_only\" for a self-managed database"),
        "{}",
        text[0]
    );
}
