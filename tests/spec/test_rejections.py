"""Every rejection of issue 3, each at its exact location (line, column, pointer) with a specific message."""

from __future__ import annotations

from pathlib import Path

import pytest

from .helpers import MANY, SINGLE, check, only, write


def single(tmp_path: Path, old: str, new: str) -> Path:
    """SINGLE with one piece of text replaced, written as spec.yaml."""
    assert old in SINGLE
    return write(tmp_path, "spec.yaml", SINGLE.replace(old, new))


def many(tmp_path: Path, old: str, new: str) -> Path:
    """MANY with one piece of text replaced, written as many.yaml."""
    assert old in MANY
    return write(tmp_path, "many.yaml", MANY.replace(old, new))


# ---- keys ----------------------------------------------------------------------------------------


def test_unknown_key_is_located_at_the_key_with_a_suggestion(tmp_path: Path) -> None:
    """A misspelt key is reported at its own line, with the key it probably meant."""
    problem = only(check(single(tmp_path, "  endTime:", "  endTim:")))
    assert (problem.line, problem.column, problem.pointer) == (10, 11, "/cloudTrailDetails/endTim")
    assert "unknown key 'endTim' (did you mean 'endTime'?)" in problem.message


def test_unknown_key_in_a_generation_entry_suggests_the_shortcut(tmp_path: Path) -> None:
    """A misspelt shortcut in an entry is reported at the entry's key."""
    problems = check(many(tmp_path, "    principalArn: arn:aws:iam::123456789012:role/app", "    principalARN: x"))
    unknown = next(p for p in problems if "unknown key" in p.message)
    assert (unknown.line, unknown.pointer) == (11, "/generations/0/principalARN")
    assert "did you mean 'principalArn'?" in unknown.message


def test_missing_required_field_is_located_at_its_parent(tmp_path: Path) -> None:
    """A missing accessRole is reported at cloudTrailDetails, naming the field and an example."""
    text = SINGLE.replace("  accessRole: arn:aws:iam::123456789012:role/AccessAnalyzerMonitorServiceRole\n", "")
    problem = only(check(write(tmp_path, "spec.yaml", text)))
    assert (problem.line, problem.column, problem.pointer) == (5, 3, "/cloudTrailDetails")
    assert "'accessRole' is required here but missing" in problem.message


def test_missing_name_in_a_file_of_one_generation(tmp_path: Path) -> None:
    """A spec file must name its generation."""
    problem = only(check(single(tmp_path, "name: app\n", "")))
    assert (problem.line, problem.pointer) == (1, "/name")
    assert "name is required in a spec file" in problem.message


def test_missing_principal_in_an_entry_is_located_at_the_entry(tmp_path: Path) -> None:
    """An entry that, merged over the defaults, still has no principal is reported at the entry."""
    problem = only(check(many(tmp_path, "    principalArn: arn:aws:iam::123456789012:role/app\n", "")))
    assert (problem.line, problem.column, problem.pointer) == (10, 5, "/generations/0")
    assert "generation 'app' has no principal" in problem.message


def test_field_missing_in_entry_and_defaults_is_reported_per_entry(tmp_path: Path) -> None:
    """An accessRole given neither in the defaults nor in the entry is reported at each entry."""
    text = MANY.replace("    accessRole: arn:aws:iam::123456789012:role/AccessAnalyzerMonitorServiceRole\n", "")
    problems = check(write(tmp_path, "many.yaml", text))
    assert [(p.line, p.pointer) for p in problems] == [
        (9, "/generations/0"),
        (11, "/generations/1"),
        (15, "/generations/2"),
    ]
    assert "generation 'worker' has no cloudTrailDetails.accessRole" in problems[1].message


# ---- ARNs ----------------------------------------------------------------------------------------


def test_principal_that_is_not_a_role_or_user(tmp_path: Path) -> None:
    """A group ARN is not a principal Access Analyzer generates policies for."""
    problem = only(check(single(tmp_path, "role/app", "group/app")))
    assert (problem.line, problem.column, problem.pointer) == (3, 17, "/policyGenerationDetails/principalArn")
    assert "is not an IAM role or user ARN: the resource is 'group/app', it must be role/<name> or user/<name>" in (
        problem.message
    )


def test_principal_with_an_account_id_that_is_not_12_digits(tmp_path: Path) -> None:
    """The account id of an IAM ARN has 12 digits."""
    problem = only(check(single(tmp_path, "iam::123456789012:role/app", "iam::1234:role/app")))
    assert (problem.line, problem.pointer) == (3, "/policyGenerationDetails/principalArn")
    assert "the account id '1234' is not 12 digits" in problem.message


def test_principal_of_another_service(tmp_path: Path) -> None:
    """An ARN of another service is named as such."""
    problem = only(check(single(tmp_path, "arn:aws:iam::123456789012:role/app", "arn:aws:s3::123456789012:role/app")))
    assert "the service is 's3', it must be 'iam'" in problem.message


def test_principal_that_is_not_an_arn(tmp_path: Path) -> None:
    """A bare role name is not an ARN."""
    problem = only(check(single(tmp_path, "arn:aws:iam::123456789012:role/app", "app")))
    assert (problem.line, problem.column) == (3, 17)
    assert "it does not start with `arn:`" in problem.message


def test_access_role_that_is_a_user(tmp_path: Path) -> None:
    """The access role must be a role, not a user."""
    problem = only(check(single(tmp_path, "role/AccessAnalyzerMonitorServiceRole", "user/analyzer")))
    assert (problem.line, problem.column, problem.pointer) == (8, 15, "/cloudTrailDetails/accessRole")
    assert "is not an IAM role ARN: the resource is 'user/analyzer', it must be role/<name>" in problem.message


def test_trail_that_is_not_a_cloudtrail_trail_arn(tmp_path: Path) -> None:
    """A bucket ARN where a trail ARN belongs is rejected with the service named."""
    problem = only(
        check(single(tmp_path, "arn:aws:cloudtrail:us-east-1:123456789012:trail/management", "arn:aws:s3:::logs"))
    )
    assert (problem.line, problem.column, problem.pointer) == (6, 22, "/cloudTrailDetails/trails/0/cloudTrailArn")
    assert "is not a CloudTrail trail ARN: the service is 's3', it must be 'cloudtrail'" in problem.message


def test_trail_arn_with_an_unknown_region(tmp_path: Path) -> None:
    """The home Region inside a trail ARN must be a real Region."""
    problem = only(check(single(tmp_path, "cloudtrail:us-east-1:", "cloudtrail:us-esat-1:")))
    assert (problem.line, problem.pointer) == (6, "/cloudTrailDetails/trails/0/cloudTrailArn")
    assert "its Region 'us-esat-1' is not a known AWS Region (did you mean 'us-east-1'?)" in problem.message


def test_arn_with_an_unknown_partition(tmp_path: Path) -> None:
    """A partition botocore does not know is rejected with the known ones listed."""
    problem = only(
        check(single(tmp_path, "arn:aws:iam::123456789012:role/app", "arn:aws-moon:iam::123456789012:role/app"))
    )
    assert (problem.line, problem.pointer) == (3, "/policyGenerationDetails/principalArn")
    assert "the partition 'aws-moon' is not an AWS partition" in problem.message
    assert "aws-cn" in problem.message


def test_arns_of_different_partitions(tmp_path: Path) -> None:
    """The odd ARN out is reported, naming the partition the others share."""
    problem = only(
        check(single(tmp_path, "arn:aws:iam::123456789012:role/Access", "arn:aws-cn:iam::123456789012:role/Access"))
    )
    assert (problem.line, problem.column, problem.pointer) == (8, 15, "/cloudTrailDetails/accessRole")
    assert (
        "this accessRole is in partition 'aws-cn', but cloudTrailArn and principalArn are in 'aws'" in problem.message
    )


# ---- Regions -------------------------------------------------------------------------------------


def test_malformed_region_name(tmp_path: Path) -> None:
    """A Region that does not look like one is reported at the list item."""
    problem = only(check(single(tmp_path, "eu-west-1]", "euwest1]")))
    assert (problem.line, problem.column, problem.pointer) == (7, 28, "/cloudTrailDetails/trails/0/regions/1")
    assert "'euwest1' is not a Region name; write it like us-east-1" in problem.message


def test_unknown_region_name_with_a_suggestion(tmp_path: Path) -> None:
    """A well-formed but unknown Region gets the closest real one."""
    problem = only(check(single(tmp_path, "eu-west-1]", "eu-wset-1]")))
    assert (problem.line, problem.column, problem.pointer) == (7, 28, "/cloudTrailDetails/trails/0/regions/1")
    assert "'eu-wset-1' is not a known AWS Region; did you mean 'eu-west-1'?" in problem.message


def test_region_of_another_partition_than_the_trail(tmp_path: Path) -> None:
    """A China Region cannot be read from a trail of the aws partition."""
    problem = only(check(single(tmp_path, "eu-west-1]", "cn-north-1]")))
    assert (problem.line, problem.column) == (7, 28)
    assert "'cn-north-1' is a Region of partition 'aws-cn', but the trail is in 'aws'" in problem.message


def test_all_regions_together_with_a_region_list(tmp_path: Path) -> None:
    """allRegions: true and regions exclude each other."""
    problem = only(check(single(tmp_path, "      regions:", "      allRegions: true\n      regions:")))
    assert (problem.line, problem.column, problem.pointer) == (8, 16, "/cloudTrailDetails/trails/0/regions")
    assert "`regions` cannot be combined with `allRegions: true`" in problem.message


def test_duplicate_region(tmp_path: Path) -> None:
    """A Region listed twice is reported at the list."""
    problem = only(check(single(tmp_path, "eu-west-1]", "us-east-1]")))
    assert (problem.line, problem.column, problem.pointer) == (7, 16, "/cloudTrailDetails/trails/0/regions")
    assert "lists the same value more than once" in problem.message


# ---- trails --------------------------------------------------------------------------------------


def test_empty_trail_list(tmp_path: Path) -> None:
    """At least one trail is needed."""
    text = SINGLE.replace(
        "  trails:\n    - cloudTrailArn: arn:aws:cloudtrail:us-east-1:123456789012:trail/management\n"
        "      regions: [us-east-1, eu-west-1]\n",
        "  trails: []\n",
    )
    problem = only(check(write(tmp_path, "spec.yaml", text)))
    assert (problem.line, problem.column, problem.pointer) == (5, 11, "/cloudTrailDetails/trails")
    assert "trails is empty; list at least 1 item(s)" in problem.message


# ---- the window ----------------------------------------------------------------------------------


def test_timestamp_without_a_time_zone(tmp_path: Path) -> None:
    """A timestamp must carry its zone."""
    problem = only(check(single(tmp_path, "2026-11-01T00:00:00Z", "2026-11-01T00:00:00")))
    assert (problem.line, problem.column, problem.pointer) == (9, 14, "/cloudTrailDetails/startTime")
    assert "is not an ISO 8601 timestamp with a time zone" in problem.message


def test_timestamp_that_is_not_a_timestamp(tmp_path: Path) -> None:
    """A word where a timestamp belongs is rejected with an example."""
    problem = only(check(single(tmp_path, "2026-11-01T00:00:00Z", "yesterday")))
    assert (problem.line, problem.pointer) == (9, "/cloudTrailDetails/startTime")
    assert "'yesterday' is not an ISO 8601 timestamp with a time zone; write it like 2026-11-01T00:00:00Z" in (
        problem.message
    )


def test_timestamp_in_the_future(tmp_path: Path) -> None:
    """CloudTrail has no events after now."""
    problem = only(check(single(tmp_path, "2026-11-20T00:00:00Z", "2026-12-20T00:00:00Z")))
    assert (problem.line, problem.column, problem.pointer) == (10, 12, "/cloudTrailDetails/endTime")
    assert "2026-12-20T00:00:00Z is in the future" in problem.message


def test_start_not_before_end(tmp_path: Path) -> None:
    """startTime must come before endTime."""
    problem = only(check(single(tmp_path, "2026-11-01T00:00:00Z", "2026-11-25T00:00:00Z")))
    assert (problem.line, problem.column, problem.pointer) == (9, 14, "/cloudTrailDetails/startTime")
    assert "startTime 2026-11-25T00:00:00Z must be before endTime 2026-11-20T00:00:00Z" in problem.message


def test_window_over_90_days(tmp_path: Path) -> None:
    """Access Analyzer reads at most 90 days."""
    problem = only(check(single(tmp_path, "2026-11-01T00:00:00Z", "2026-08-01T00:00:00Z")))
    assert (problem.line, problem.pointer) == (9, "/cloudTrailDetails/startTime")
    assert "the window is 111 days; Access Analyzer reads at most 90 days" in problem.message


def test_window_without_a_start(tmp_path: Path) -> None:
    """Either startTime or lookbackDays is needed."""
    problem = only(check(single(tmp_path, "  startTime: 2026-11-01T00:00:00Z\n", "")))
    assert (problem.line, problem.column, problem.pointer) == (5, 3, "/cloudTrailDetails")
    assert "the window has no start: add startTime" in problem.message


def test_lookback_days_together_with_start_time(tmp_path: Path) -> None:
    """lookbackDays replaces startTime; both at once is ambiguous."""
    problem = only(check(single(tmp_path, "  endTime:", "  lookbackDays: 7\n  endTime:")))
    assert (problem.line, problem.column, problem.pointer) == (10, 17, "/cloudTrailDetails/lookbackDays")
    assert "give either startTime or lookbackDays, not both" in problem.message


def test_lookback_days_out_of_range(tmp_path: Path) -> None:
    """lookbackDays is 1-90."""
    text = SINGLE.replace("  startTime: 2026-11-01T00:00:00Z", "  lookbackDays: 91")
    problem = only(check(write(tmp_path, "spec.yaml", text)))
    assert (problem.line, problem.column, problem.pointer) == (9, 17, "/cloudTrailDetails/lookbackDays")
    assert "lookbackDays must be between 1 and 90, not 91" in problem.message


# ---- names ---------------------------------------------------------------------------------------


def test_name_that_cannot_be_a_terraform_identifier(tmp_path: Path) -> None:
    """A name starting with a digit cannot name a Terraform resource."""
    problem = only(check(single(tmp_path, "name: app", "name: 9app")))
    assert (problem.line, problem.column, problem.pointer) == (1, 7, "/name")
    assert "the name '9app' cannot become a Terraform identifier: it starts with '9'" in problem.message


def test_name_with_a_character_terraform_refuses(tmp_path: Path) -> None:
    """A dot in a name is named as the offending character."""
    problem = only(check(single(tmp_path, "name: app", "name: app.v2")))
    assert "it contains '.'" in problem.message


def test_duplicate_names_across_files_of_a_folder(tmp_path: Path) -> None:
    """Two files of one folder may not use the same name; the second is reported, naming the first."""
    write(tmp_path, "a.yaml", SINGLE)
    write(tmp_path, "b.yaml", SINGLE)
    problem = only(check(tmp_path))
    assert (problem.file, problem.line, problem.column, problem.pointer) == (str(tmp_path / "b.yaml"), 1, 7, "/name")
    assert f"the name 'app' is already used at {tmp_path / 'a.yaml'}:1" in problem.message


def test_duplicate_names_within_a_file_of_many_generations(tmp_path: Path) -> None:
    """Two entries of one file may not use the same name."""
    problem = only(check(many(tmp_path, "name: worker", "name: app")))
    assert (problem.line, problem.column, problem.pointer) == (12, 11, "/generations/1/name")
    assert "the name 'app' is already used at" in problem.message


def test_duplicate_names_between_a_file_of_many_and_a_single_spec(tmp_path: Path) -> None:
    """Names are unique across both file forms of one folder."""
    write(tmp_path, "a.yaml", SINGLE)
    write(tmp_path, "b.yaml", MANY)
    problem = only(check(tmp_path))
    assert (problem.file, problem.pointer) == (str(tmp_path / "b.yaml"), "/generations/0/name")


def test_names_that_collide_as_terraform_identifiers(tmp_path: Path) -> None:
    """app-role and app_role would both become the resource app_role."""
    write(tmp_path, "a.yaml", SINGLE.replace("name: app", "name: app-role"))
    write(tmp_path, "b.yaml", SINGLE.replace("name: app", "name: app_role"))
    problem = only(check(tmp_path))
    assert (problem.file, problem.pointer) == (str(tmp_path / "b.yaml"), "/name")
    assert "the name 'app_role' becomes the Terraform name 'app_role', as 'app-role'" in problem.message


# ---- files ---------------------------------------------------------------------------------------


def test_yaml_syntax_error_with_its_line(tmp_path: Path) -> None:
    """A broken YAML file is reported at the line the parser stopped."""
    problem = only(
        check(single(tmp_path, "      regions: [us-east-1, eu-west-1]", "      regions: [us-east-1, eu-west-1"))
    )
    assert (problem.line, problem.pointer) == (8, "")
    assert problem.message.startswith("YAML syntax error:")


def test_duplicate_yaml_key_with_its_line(tmp_path: Path) -> None:
    """A key given twice in one mapping is reported at the second one."""
    problem = only(check(single(tmp_path, "  endTime:", "  startTime: 2026-11-02T00:00:00Z\n  endTime:")))
    assert (problem.line, problem.column) == (10, 3)
    assert 'duplicate key: found duplicate key "startTime"' in problem.message


def test_empty_file(tmp_path: Path) -> None:
    """An empty (or comment-only) file holds no spec."""
    problem = only(check(write(tmp_path, "spec.yaml", "# nothing yet\n")))
    assert (problem.line, problem.pointer) == (1, "")
    assert "the file is empty" in problem.message


def test_file_that_is_not_a_mapping(tmp_path: Path) -> None:
    """A list at the top is not a spec."""
    problem = only(check(write(tmp_path, "spec.yaml", "- name: app\n")))
    assert "the file holds a list, not a mapping" in problem.message


def test_file_that_is_a_single_value(tmp_path: Path) -> None:
    """A scalar at the top is not a spec."""
    problem = only(check(write(tmp_path, "spec.json", '"app"\n')))
    assert "the file holds a single value (str), not a mapping" in problem.message


def test_file_that_is_not_utf8(tmp_path: Path) -> None:
    """Bytes that are not UTF-8 are reported, not raised."""
    path = tmp_path / "spec.yaml"
    path.write_bytes(b"name: \xff\n")
    assert "not UTF-8" in only(check(path)).message


def test_missing_path(tmp_path: Path) -> None:
    """A path that does not exist is a problem with a clear message."""
    problem = only(check(tmp_path / "nope.yaml"))
    assert (problem.file, problem.message) == (str(tmp_path / "nope.yaml"), "no such file or folder; check the path.")


def test_folder_without_spec_files(tmp_path: Path) -> None:
    """A folder with no *.yaml, *.yml or *.json is a problem, not a silent success."""
    write(tmp_path, "notes.txt", "hello")
    assert "the folder holds no spec files" in only(check(tmp_path)).message


def test_every_problem_of_every_file_in_one_run(tmp_path: Path) -> None:
    """A folder of several bad files reports all their problems at once, file by file, line by line."""
    write(
        tmp_path,
        "a.yaml",
        SINGLE.replace("role/app", "group/app").replace("eu-west-1]", "eu-wset-1]").replace("app\n", "a\n", 1),
    )
    write(tmp_path, "b.yaml", "name: [\n")
    write(tmp_path, "c.yaml", "")
    write(tmp_path, "d.yaml", MANY.replace("lookbackDays: 30", "lookbackDays: 0"))
    problems = check(tmp_path)
    assert [(Path(p.file).name, p.line) for p in problems] == [
        ("a.yaml", 3),
        ("a.yaml", 7),
        ("b.yaml", 2),
        ("c.yaml", 1),
        ("d.yaml", 8),
    ]


def test_semantic_checks_run_beside_schema_problems(tmp_path: Path) -> None:
    """An unknown key does not hide a timestamp in the future elsewhere in the same file."""
    text = SINGLE.replace("  endTime:", "  endTim:").replace("2026-11-01T00:00:00Z", "2027-01-01T00:00:00Z")
    problems = check(write(tmp_path, "spec.yaml", text))
    assert [p.pointer for p in problems] == ["/cloudTrailDetails/startTime", "/cloudTrailDetails/endTim"]


# ---- files of many generations -------------------------------------------------------------------


def test_principal_given_twice_in_an_entry(tmp_path: Path) -> None:
    """The shortcut and the full form together are ambiguous."""
    text = MANY.replace(
        "      principalArn: arn:aws:iam::123456789012:user/ci",
        "      principalArn: arn:aws:iam::123456789012:user/ci\n    principalArn: arn:aws:iam::123456789012:user/ci",
    )
    problem = only(check(write(tmp_path, "many.yaml", text)))
    assert (problem.line, problem.column, problem.pointer) == (19, 19, "/generations/2/principalArn")
    assert "give the principal once" in problem.message


def test_unknown_file_version(tmp_path: Path) -> None:
    """Only version 1 exists."""
    problem = only(check(many(tmp_path, "version: 1", "version: 2")))
    assert (problem.line, problem.column, problem.pointer) == (1, 10, "/version")
    assert "version must be 1, not 2" in problem.message


def test_empty_generation_list(tmp_path: Path) -> None:
    """A file of many generations lists at least one."""
    text = MANY.split("generations:")[0] + "generations: []\n"
    problem = only(check(write(tmp_path, "many.yaml", text)))
    assert (problem.line, problem.pointer) == (9, "/generations")
    assert "generations is empty" in problem.message


def test_problem_in_the_defaults_is_reported_once_at_the_defaults(tmp_path: Path) -> None:
    """A bad default is one problem at its own line, not one per generation."""
    problem = only(check(many(tmp_path, "role/AccessAnalyzerMonitorServiceRole", "user/x")))
    assert (problem.line, problem.column, problem.pointer) == (7, 17, "/defaults/cloudTrailDetails/accessRole")


def test_default_that_breaks_only_some_generations_names_them(tmp_path: Path) -> None:
    """A default that conflicts with one entry is reported at the default, naming the entry."""
    problem = only(check(many(tmp_path, "role/worker", "role/worker\n    clientToken: t-1\n    triggers: {rev: '2'}")))
    assert problem.pointer == "/generations/1/triggers"
    text = MANY.replace("    lookbackDays: 30\n", "    lookbackDays: 30\n    endTime: 2026-12-01T00:00:00Z\n")
    text = text.replace("      lookbackDays: 7\n", "      endTime: 2026-11-01T00:00:00Z\n")
    problem = only(check(write(tmp_path, "many.yaml", text)))
    assert (problem.line, problem.pointer) == (9, "/defaults/cloudTrailDetails/endTime")
    assert problem.message.endswith("(in generations 'app', 'ci')")


# ---- triggers ------------------------------------------------------------------------------------


def test_triggers_together_with_a_client_token(tmp_path: Path) -> None:
    """An explicit token would make trigger changes start no new job."""
    text = SINGLE + "clientToken: t-1\ntriggers:\n  rev: '2'\n"
    problem = only(check(write(tmp_path, "spec.yaml", text)))
    assert (problem.line, problem.column, problem.pointer) == (13, 3, "/triggers")
    assert "triggers cannot be combined with clientToken" in problem.message


def test_trigger_value_that_is_not_a_string(tmp_path: Path) -> None:
    """Trigger values are strings; a number is asked to be quoted."""
    problem = only(check(write(tmp_path, "spec.yaml", SINGLE + "triggers:\n  rev: 2\n")))
    assert (problem.line, problem.column, problem.pointer) == (12, 8, "/triggers/rev")
    assert "the trigger 'rev' must be a string, not an integer. Quote the value" in problem.message


def test_missing_relative_path_names_the_folder_it_was_looked_for_in(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A relative path that does not exist names the working folder it was read in (main.py run elsewhere)."""
    monkeypatch.chdir(tmp_path)
    problem = only(check(Path("specs")))
    assert (problem.file, problem.pointer) == ("specs", "")
    assert problem.message == f"no such file or folder in the working folder, {tmp_path}; check the path."
