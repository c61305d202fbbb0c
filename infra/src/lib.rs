//! Deployable CloudFormation and EventBridge rules. Not built yet: see the WooCommerce workflows issue.
