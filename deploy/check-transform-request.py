"""Checks the request deploy/cloudformation/batch-transform.yaml's state machine sends to SageMaker against the
CreateTransformJob input shape of botocore's service model: field names, types, required members, lengths, ranges
and the job name's pattern. cfn-lint checks the state machine's structure but not what its task passes to the
service, which CloudFormation would accept and SageMaker refuse only when a run starts.

The template is resolved the way CloudFormation and Step Functions would resolve it for a set of parameter values
(defaults plus example values for the parameters without one): conditions, Ref, Fn::Sub, Fn::If, Fn::GetAtt, the
definition substitutions, then the task's ".$" fields (the intrinsic functions it uses: States.Format,
States.StringToJson, States.UUID, and $$.Execution.Name).

Usage: python deploy/check-transform-request.py   (needs cfn-lint and botocore; exits 1 on any finding)
"""

import json
import os
import re
import sys
import uuid

import botocore.session
import botocore.validate
import cfnlint.decode

TEMPLATE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "cloudformation", "batch-transform.yaml")
NO_VALUE = object()
PSEUDO = {"AWS::Partition": "aws", "AWS::Region": "us-east-1", "AWS::AccountId": "123456789012",
          "AWS::StackName": "berth-batch-stack"}
# Values for the parameters that have no default, as a user would give them.
EXAMPLES = {"ImageUri": "123456789012.dkr.ecr.us-east-1.amazonaws.com/berth:1a2b3c4d5e6f",
            "ModelDataUrl": "s3://example-models/churn/v3/model.tar.gz",
            "InputBucket": "example-data", "InputPrefix": "churn/in/", "OutputS3Uri": "s3://example-data/churn/out"}
# Parameter sets to check beyond the defaults: every enumerated value of the job's settings, a KMS key, streaming.
LOCAL_STORAGE_TYPES = ("ml.g4dn.", "ml.g5.", "ml.g6.", "ml.c5d.", "ml.m5d.", "ml.r5d.", "ml.p3dn.", "ml.p4d.")
KEY = "arn:aws:kms:us-east-1:123456789012:key/0b8a1c3e-7a59-4f0e-9a43-2f7d9a1e5c11"
VARIATIONS = [{}, {"KmsKeyArn": KEY, "MaxPayloadInMB": "0", "MaxConcurrentTransforms": "4", "InstanceCount": "3"},
              {"KmsKeyArn": KEY, "InstanceType": "ml.g5.xlarge"}]
ENUMERATED = ["ContentType", "SplitType", "Accept", "AssembleWith", "BatchStrategy", "InstanceType"]
ATTRIBUTES = {("Model", "ModelName"): "Model-a1B2c3D4e5F6"}
EXECUTION_NAME = "0d4f6a52-6b1e-4c59-8d0e-5f3a2b1c9e77"


class Resolver:
    """CloudFormation's part: parameter values, conditions and the intrinsic functions the template uses."""

    def __init__(self, template, values):
        self.template = template
        self.values = values
        # In the template's order, so that a condition naming an earlier one finds it.
        self.conditions = {}
        for name, body in template.get("Conditions", {}).items():
            self.conditions[name] = self.condition(body)

    def condition(self, body):
        (function, arguments), = body.items()
        if function == "Fn::Not":
            return not self.condition(arguments[0])
        if function == "Fn::Equals":
            return str(self.resolve(arguments[0])) == str(self.resolve(arguments[1]))
        if function == "Fn::Or":
            return any(self.condition(argument) for argument in arguments)
        if function == "Fn::And":
            return all(self.condition(argument) for argument in arguments)
        if function == "Condition":
            return self.conditions[arguments]
        raise ValueError(f"condition function {function} is not understood here")

    def resolve(self, node):
        if isinstance(node, list):
            return [value for value in (self.resolve(item) for item in node) if value is not NO_VALUE]
        if not isinstance(node, dict):
            return node
        if len(node) == 1:
            (key, argument), = node.items()
            if key == "Ref":
                if argument == "AWS::NoValue":
                    return NO_VALUE
                return PSEUDO.get(argument) or self.values.get(argument, f"<{argument}>")
            if key == "Fn::If":
                name, when_true, when_false = argument
                return self.resolve(when_true if self.conditions[name] else when_false)
            if key == "Fn::GetAtt":
                return ATTRIBUTES.get(tuple(argument), f"<{argument[0]}.{argument[1]}>")
            if key == "Fn::Sub":
                text, variables = (argument, {}) if isinstance(argument, str) else argument
                variables = {name: self.resolve(value) for name, value in variables.items()}

                def substitute(match):
                    name = match.group(1)
                    if name in variables:
                        return str(variables[name])
                    if "." in name:
                        return str(ATTRIBUTES.get(tuple(name.split(".", 1)), f"<{name}>"))
                    return str(PSEUDO.get(name) or self.values.get(name, f"<{name}>"))
                return re.sub(r"\$\{([^}!]+)\}", substitute, text)
        resolved = {key: self.resolve(value) for key, value in node.items()}
        return {key: value for key, value in resolved.items() if value is not NO_VALUE}


def substitute_definition(node, substitutions):
    """Step Functions' DefinitionSubstitutions: ${Name} in every string of the definition."""
    if isinstance(node, dict):
        return {key: substitute_definition(value, substitutions) for key, value in node.items()}
    if isinstance(node, list):
        return [substitute_definition(item, substitutions) for item in node]
    if isinstance(node, str):
        return re.sub(r"\$\{([A-Za-z0-9_]+)\}", lambda match: str(substitutions[match.group(1)]), node)
    return node


class IntrinsicCall:
    """Step Functions' part: evaluates the intrinsic-function expressions of ".$" fields that the template uses."""

    def __init__(self, text):
        self.text = text
        self.at = 0

    def evaluate(self):
        value = self.expression()
        if self.text[self.at:].strip():
            raise ValueError(f"unexpected text after the expression: {self.text!r}")
        return value

    def skip_spaces(self):
        while self.at < len(self.text) and self.text[self.at] == " ":
            self.at += 1

    def expression(self):
        self.skip_spaces()
        if self.text.startswith("'", self.at):
            end = self.text.index("'", self.at + 1)
            value, self.at = self.text[self.at + 1:end], end + 1
            return value
        if self.text.startswith("$$.Execution.Name", self.at):
            self.at += len("$$.Execution.Name")
            return EXECUTION_NAME
        name = re.match(r"States\.[A-Za-z]+", self.text[self.at:])
        if not name:
            raise ValueError(f"cannot read {self.text[self.at:]!r}")
        self.at += len(name.group(0))
        arguments = self.arguments()
        return self.call(name.group(0), arguments)

    def arguments(self):
        if self.text[self.at] != "(":
            raise ValueError(f"expected ( in {self.text!r}")
        self.at += 1
        arguments = []
        self.skip_spaces()
        if self.text[self.at] == ")":
            self.at += 1
            return arguments
        while True:
            arguments.append(self.expression())
            self.skip_spaces()
            separator = self.text[self.at]
            self.at += 1
            if separator == ")":
                return arguments
            if separator != ",":
                raise ValueError(f"expected , or ) in {self.text!r}")

    @staticmethod
    def call(name, arguments):
        if name == "States.UUID":
            return str(uuid.uuid4())
        if name == "States.StringToJson":
            return json.loads(arguments[0])
        if name == "States.Format":
            pieces = arguments[0].split("{}")
            if len(pieces) != len(arguments):
                raise ValueError(f"States.Format has {len(pieces) - 1} placeholders and {len(arguments) - 1} values")
            return "".join(piece + (str(value) if index < len(arguments) - 1 else "")
                           for index, (piece, value) in enumerate(zip(pieces, arguments[1:] + [""])))
        raise ValueError(f"intrinsic function {name} is not understood here")


def evaluate_task_parameters(node):
    if isinstance(node, dict):
        evaluated = {}
        for key, value in node.items():
            if key.endswith(".$"):
                evaluated[key[:-2]] = IntrinsicCall(value).evaluate()
            else:
                evaluated[key] = evaluate_task_parameters(value)
        return evaluated
    if isinstance(node, list):
        return [evaluate_task_parameters(item) for item in node]
    return node


def check(template, values, label, shape, findings):
    resolver = Resolver(template, values)
    machine = resolver.resolve(template["Resources"]["StateMachine"]["Properties"])
    definition = substitute_definition(machine["Definition"], machine.get("DefinitionSubstitutions", {}))
    (state,) = [state for state in definition["States"].values() if state.get("Type") == "Task"]
    if not state["Resource"].endswith(":states:::sagemaker:createTransformJob.sync"):
        findings.append(f"the task's resource is {state['Resource']}, not the createTransformJob.sync integration")
    request = evaluate_task_parameters(state["Parameters"])
    report = botocore.validate.ParamValidator().validate(request, shape)
    if report.has_errors():
        findings.append(f"[{label}] CreateTransformJob refuses the request:\n{report.generate_report()}")
    findings.extend(f"[{label}] {finding}" for finding in constraint_findings(request, shape, "request"))
    # SageMaker refuses a volume key for instance types with local NVMe storage (TransformResources.VolumeKmsKeyId).
    resources = request.get("TransformResources", {})
    if resources.get("InstanceType", "").startswith(LOCAL_STORAGE_TYPES) and "VolumeKmsKeyId" in resources:
        findings.append(f"[{label}] VolumeKmsKeyId set for {resources['InstanceType']}, which has local storage and takes no volume key")
    return request


def constraint_findings(value, shape, path):
    """What botocore's validator leaves to the service: strings' and lists' longest lengths, and string patterns."""
    found = []
    if shape.type_name == "structure" and isinstance(value, dict):
        for name, member in value.items():
            if name in shape.members:
                found += constraint_findings(member, shape.members[name], f"{path}.{name}")
    elif shape.type_name == "list" and isinstance(value, list):
        for index, item in enumerate(value):
            found += constraint_findings(item, shape.member, f"{path}[{index}]")
    elif shape.type_name == "map" and isinstance(value, dict):
        for key, item in value.items():
            found += constraint_findings(item, shape.value, f"{path}[{key}]")
    limit = shape.metadata.get("max")
    if limit is not None and isinstance(value, (str, list)) and len(value) > limit:
        found.append(f"{path} is {len(value)} long, the most is {limit}: {value!r}")
    pattern = shape.metadata.get("pattern")
    if pattern and isinstance(value, str) and not re.fullmatch(pattern, value):
        found.append(f"{path} {value!r} does not match {pattern}")
    return found


def main():
    template, matches = cfnlint.decode.decode(TEMPLATE)
    if matches:
        raise SystemExit(f"{TEMPLATE} does not parse: {matches}")
    shape = botocore.session.get_session().get_service_model("sagemaker").operation_model("CreateTransformJob").input_shape
    parameters = template["Parameters"]
    defaults = {name: str(body["Default"]) for name, body in parameters.items() if "Default" in body}
    missing = [name for name in parameters if name not in defaults and name not in EXAMPLES]
    if missing:
        raise SystemExit(f"parameters without a default need an example value here: {missing}")
    variations = list(VARIATIONS)
    for name in ENUMERATED:
        variations += [{name: str(allowed)} for allowed in parameters[name]["AllowedValues"]]
    # The longest job-name prefix the template's pattern allows.
    longest = 1 + int(re.search(r"\{0,(\d+)\}", parameters["JobNamePrefix"]["AllowedPattern"]).group(1))
    variations.append({"JobNamePrefix": "a" * longest})
    findings = []
    for variation in variations:
        label = ", ".join(f"{key}={value}" for key, value in variation.items()) or "defaults"
        request = check(template, dict(defaults, **EXAMPLES, **variation), label, shape, findings)
    print(f"{len(variations)} parameter sets; the last request:\n  {request}")
    if findings:
        print("\n".join(findings), file=sys.stderr)
        sys.exit(1)
    print("check-transform-request: every request is a valid CreateTransformJob request")


if __name__ == "__main__":
    main()
