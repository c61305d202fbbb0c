"""moto_server, with Step Functions executions of a version or an alias, as AWS runs them.

moto 5.2 (5.2.6 too) publishes versions and moves aliases, but StartExecution on a version ARN
fails with HTTP 500 (`StateMachineVersion` has no `_handle_name_input_idempotency`), on an alias
ARN with StateMachineDoesNotExist, and DescribeExecution and DescribeStateMachineForExecution
know only unqualified executions. The patch below adds what the Step Functions developer guide
("How Step Functions associates executions with a version or alias") and the API reference say:

- StartExecution on `<arn>:<version>` runs that version; on `<arn>:<alias>` it runs the version
  the alias routes to at that moment (by weight), associated with the alias too. Execution names
  stay unique per state machine, and the execution ARN names the state machine, not the version.
- DescribeExecution gives the unqualified `stateMachineArn`, plus `stateMachineVersionArn` and
  `stateMachineAliasArn` when the execution was started through them.
- DescribeStateMachineForExecution gives the definition the execution runs: its version's.

Everything else is moto's own behaviour. Run as `python moto_server.py [moto_server arguments]`.
"""

import random
import sys

from moto.core.responses import ActionResult
from moto.stepfunctions import models as sfn
from moto.stepfunctions import responses
from moto.stepfunctions.exceptions import StateMachineDoesNotExist
from moto.stepfunctions.parser import models as parser

Version = sfn.StateMachineVersion


def _qualified(backend, arn):
    """(state machine, version, alias ARN or None) for a version or alias ARN; None otherwise."""
    parts = arn.split(":")
    if len(parts) != 8:
        return None
    base_arn, qualifier = ":".join(parts[:7]), parts[7]
    base = next((m for m in backend.state_machines if m.arn == base_arn), None)
    missing = StateMachineDoesNotExist(f"State Machine Does Not Exist: '{arn}'")
    if base is None:
        raise missing
    if qualifier.isdigit():
        version = base.versions.get(int(qualifier))
        if version is None:
            raise missing
        return base, version, None
    alias = base.aliases.get(qualifier)
    if alias is None:
        raise missing
    routes = alias.routing_configuration
    route = random.choices(routes, weights=[int(r.get("weight", 0)) for r in routes])[0]
    number = int(route["stateMachineVersionArn"].rsplit(":", 1)[1])
    return base, base.versions[number], alias.arn


_start = parser.StepFunctionsParserBackend.start_execution


def start_execution(self, state_machine_arn, name=None, execution_input=None, trace_header=None):
    qualified = _qualified(self, state_machine_arn)
    if qualified is None:
        return _start(self, state_machine_arn, name, execution_input, trace_header)
    base, version, alias_arn = qualified
    # Names are unique per state machine, whichever version or alias started the execution.
    existing = base._handle_name_input_idempotency(name, execution_input)
    if existing is not None:
        return existing
    version.backend = base.backend
    version._handle_name_input_idempotency = lambda _name, _input: None
    execution = _start(self, version.arn, name, execution_input, trace_header)
    execution.state_machine_alias_arn = alias_arn
    # Found by DescribeExecution, GetExecutionHistory and StopExecution (they look in the
    # unqualified state machine) and listed with it.
    base.executions.append(execution)
    return execution


def _version_of(execution):
    machine = getattr(execution, "state_machine", None)
    return machine if isinstance(machine, Version) else None


_describe_execution = responses.StepFunctionResponse.describe_execution


def describe_execution(self):
    result = _describe_execution(self)
    execution = self.stepfunction_backend.describe_execution(self._get_param("executionArn"))
    version = _version_of(execution)
    if version is not None:
        result.result["stateMachineArn"] = version.source_arn
        result.result["stateMachineVersionArn"] = version.arn
        alias_arn = getattr(execution, "state_machine_alias_arn", None)
        if alias_arn:
            result.result["stateMachineAliasArn"] = alias_arn
    return result


_describe_for_execution = responses.StepFunctionResponse.describe_state_machine_for_execution


def describe_state_machine_for_execution(self):
    execution = self.stepfunction_backend.describe_execution(self._get_param("executionArn"))
    version = _version_of(execution)
    if version is None:
        return _describe_for_execution(self)
    return ActionResult(
        {
            "stateMachineArn": version.source_arn,
            "name": version.name,
            "definition": version.definition,
            "roleArn": version.roleArn,
            "updateDate": version.creation_date,
            "loggingConfiguration": version.loggingConfiguration,
            "tracingConfiguration": version.tracingConfiguration,
        }
    )


parser.StepFunctionsParserBackend.start_execution = start_execution
responses.StepFunctionResponse.describe_execution = describe_execution
responses.StepFunctionResponse.describe_state_machine_for_execution = (
    describe_state_machine_for_execution
)

if __name__ == "__main__":
    from moto.server import main

    sys.exit(main())
