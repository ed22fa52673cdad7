"""`bulwark policy` as a script would use it: the real binary on small fixtures."""
import json
import subprocess

import pytest

from broker import BINARY, ROOT

HIVE_DEF = {
    "name": "hive",
    "resources": [
        {"name": "database", "level": 1, "matcherOptions": {"wildCard": "true", "ignoreCase": "true"}},
        {"name": "table", "level": 2, "parent": "database"},
        {"name": "column", "level": 3, "parent": "table"},
    ],
    "accessTypes": [{"name": "select"}, {"name": "update"}, {"name": "all", "impliedGrants": ["select", "update"]}],
    "policyConditions": [{"name": "ip-range", "evaluator": "org.apache.ranger.plugin.conditionevaluator.RangerIpMatcher"}],
    "rowFilterDef": {"accessTypes": [{"name": "select"}]},
    "dataMaskDef": {"accessTypes": [{"name": "select"}], "maskTypes": [{"name": "MASK"}, {"name": "CUSTOM"}]},
}

HIVE_POLICIES = {
    "serviceName": "hivedev",
    "serviceDef": HIVE_DEF,
    "policies": [
        {"id": 1, "resources": {"database": {"values": ["sales"]}, "table": {"values": ["*"]}, "column": {"values": ["*"]}},
         "policyItems": [{"groups": ["analysts"], "accesses": [{"type": "select", "isAllowed": True}],
                          "conditions": [{"type": "ip-range", "values": ["10.1.*"]}]}]},
        {"id": 2, "policyPriority": 1, "isAuditEnabled": False,
         "resources": {"database": {"values": ["sales"]}, "table": {"values": ["cards"]}, "column": {"values": ["*"]}},
         "denyPolicyItems": [{"users": ["bob"], "accesses": [{"type": "all", "isAllowed": True}]}]},
        {"id": 3, "policyType": 2, "resources": {"database": {"values": ["sales"]}, "table": {"values": ["orders"]}},
         "rowFilterPolicyItems": [{"groups": ["analysts"], "accesses": [{"type": "select"}],
                                   "rowFilterInfo": {"filterExpr": "region = 'EU'"}}]},
        {"id": 4, "policyType": 1, "resources": {"database": {"values": ["sales"]}, "table": {"values": ["orders"]},
                                                 "column": {"values": ["email"]}},
         "dataMaskPolicyItems": [{"groups": ["analysts"], "accesses": [{"type": "select"}],
                                  "dataMaskInfo": {"dataMaskType": "CUSTOM", "conditionExpr": "1=1", "valueExpr": "'x'"}}]},
    ],
}


def run(*args, stdin=None):
    assert BINARY.exists(), "build first: swift build --product bulwark"
    return subprocess.run([str(BINARY), "policy", *args], input=stdin, capture_output=True, text=True, timeout=60)


def request(user, groups, elements, access="select", ip="10.1.2.3", **extra):
    return json.dumps({"resource": {"elements": elements}, "accessType": access, "user": user, "userGroups": groups,
                       "clientIPAddress": ip, "accessTime": 1767268800000, **extra})


def test_eval_on_a_three_level_service_definition(tmp_path):
    policies = tmp_path / "hive.json"
    policies.write_text(json.dumps(HIVE_POLICIES))
    lines = [
        request("ann", ["analysts"], {"database": "Sales", "table": "orders", "column": "amount"}),
        request("ann", ["analysts"], {"database": "sales", "table": "orders", "column": "amount"}, ip="10.2.0.1"),
        request("bob", ["analysts"], {"database": "sales", "table": "cards", "column": "pan"}),
        request("ann", ["analysts"], {"database": "sales", "table": "orders"}, policyType=2),
        request("ann", ["analysts"], {"database": "sales", "table": "orders", "column": "email"}, policyType=1),
        request("zed", [], {"database": "sales"}, resourceMatchingScope="SELF_OR_DESCENDANTS"),
    ]
    result = run("eval", "--policies", str(policies), stdin="\n".join(lines) + "\n")
    assert result.returncode == 0, result.stderr
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(o["isAllowed"], o["policyId"]) for o in out] == [
        (True, 1), (False, -1), (False, 2), (True, 3), (True, 4), (False, -1)]
    assert [o["isAudited"] for o in out[:3]] == [True, True, False]
    assert out[3]["filterExpr"] == "region = 'EU'"
    assert (out[4]["maskType"], out[4]["maskCondition"], out[4]["maskedValue"]) == ("CUSTOM", "1=1", "'x'")
    assert out[2]["reason"].startswith("denied by policy 2, deny-item 0 (users bob)")


def test_eval_super_users_and_roles_options(tmp_path):
    policies = tmp_path / "hive.json"
    policies.write_text(json.dumps(HIVE_POLICIES))
    roles = tmp_path / "roles.json"
    roles.write_text(json.dumps({"rangerRoles": [{"name": "r1", "users": [{"name": "bob"}]}]}))
    line = request("bob", [], {"database": "sales", "table": "cards", "column": "pan"})
    out = json.loads(run("eval", "--policies", str(policies), "--super-users", "bob", stdin=line + "\n").stdout)
    assert (out["isAllowed"], out["policyId"]) == (True, -1)
    assert "super user" in out["reason"]
    assert run("eval", "--policies", str(policies), "--roles", str(roles), stdin=line + "\n").returncode == 0


def test_eval_reports_bad_lines_and_keeps_going(tmp_path):
    policies = tmp_path / "hive.json"
    policies.write_text(json.dumps(HIVE_POLICIES))
    good = request("ann", ["analysts"], {"database": "sales", "table": "t", "column": "c"})
    result = run("eval", "--policies", str(policies), stdin="{not json\n" + json.dumps({"user": "x"}) + "\n" + good + "\n")
    assert result.returncode == 1
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert out[0]["error"].startswith("line 1: request: $: not valid JSON")
    assert out[1]["error"] == 'line 2: request: $: missing "accessType"'
    assert out[2]["isAllowed"] is True


def kafka_set(policies):
    return {"serviceName": "kafka", "policies": policies}


def topic_policy(pid, topics, allow=(), deny=(), priority=0):
    return {"id": pid, "policyPriority": priority, "resources": {"topic": {"values": list(topics)}},
            "policyItems": [{"users": list(u), "accesses": [{"type": a} for a in acc]} for u, acc in allow],
            "denyPolicyItems": [{"users": list(u), "accesses": [{"type": a} for a in acc]} for u, acc in deny]}


def test_validate_good_bad_and_lint(tmp_path):
    good = tmp_path / "good.json"
    good.write_text(json.dumps(kafka_set([topic_policy(1, ["orders"], allow=[(["alice"], ["consume"])])])))
    result = run("validate", str(good))
    assert result.returncode == 0, result.stderr
    assert "1 policies (service kafka, definition kafka), 0 errors, 0 warnings" in result.stdout

    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(kafka_set([topic_policy(1, ["orders"], allow=[(["alice"], ["read"])])])))
    result = run("validate", str(bad))
    assert result.returncode == 1
    assert result.stderr.strip() == ('error: bad.json: policies[0].policyItems[0].accesses[0]: '
                                     'unknown access type "read" for service definition kafka')

    linty = tmp_path / "lint.json"
    linty.write_text(json.dumps(kafka_set([
        topic_policy(1, ["orders"], allow=[(["alice"], ["consume"])]),
        topic_policy(2, ["*"], deny=[(["alice"], ["consume", "publish"])], priority=1),
        topic_policy(3, ["ord*"], allow=[(["bob"], ["publish"])], deny=[(["bob"], ["publish"])]),
        {"id": 4, "resources": {"topic": {"values": ["*"]}},
         "policyItems": [{"groups": ["public"], "accesses": [{"type": "kafka_admin"}]}]},
    ])))
    result = run("validate", str(linty))
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert "warning: lint.json: policy 1: allow-item 0 is shadowed by deny-item 0 of higher-priority policy 2" in lines
    assert ("warning: lint.json: policy 3: allow-item 0 overlaps deny-item 0 of the same policy on describe,publish; "
            "the deny wins") in lines
    assert "error: lint.json: policy 4: allow-item 0 grants every access type to everyone on every resource" in lines


def test_shipped_policies_validate():
    assert run("validate", str(ROOT / "Policies")).returncode == 0
    result = run("validate", str(ROOT / "Policies" / "examples"))
    assert result.returncode == 0, result.stderr + result.stdout


def test_explain_names_the_deciding_policy(tmp_path):
    path = tmp_path / "p.json"
    path.write_text(json.dumps(kafka_set([
        topic_policy(1, ["orders"], allow=[(["alice"], ["consume"])]),
        topic_policy(2, ["ord*"], deny=[(["alice"], ["consume"])]),
    ])))
    result = run("explain", str(path), "--user", "User:alice", "--access", "consume", "--resource", "topic=orders")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "DENIED: denied by policy 2, deny-item 0 (users alice): consume on topic orders"
    assert "    policy 1 [p.json, priority 0]: ALLOWS by allow-item 0 (users alice)" in lines
    assert "    policy 2 [p.json, priority 0]: DENIES by deny-item 0 (users alice)" in lines


def test_diff_lists_changed_decisions(tmp_path):
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    a.write_text(json.dumps(kafka_set([topic_policy(1, ["orders"], allow=[(["alice"], ["consume"])])])))
    b.write_text(json.dumps(kafka_set([topic_policy(1, ["orders"], allow=[(["alice"], ["publish"])])])))
    result = run("diff", str(a), str(b))
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        "user alice consume topic=orders: allowed (policy 1) -> denied (no policy)",
        "user alice publish topic=orders: denied (no policy) -> allowed (policy 1)",
        "2 decisions change",
    ]
    assert run("diff", str(a), str(a)).returncode == 0


def test_ranger_export_round_trip(tmp_path):
    policies = tmp_path / "kafka.json"
    original = kafka_set([topic_policy(7, ["orders"], allow=[(["alice"], ["consume"])])])
    policies.write_text(json.dumps(original))
    exported = run("export-ranger", str(policies))
    assert exported.returncode == 0, exported.stderr
    export = json.loads(exported.stdout)
    assert export["policies"][0]["service"] == "kafka"
    assert export["policies"][0]["serviceType"] == "kafka"
    assert "Export time" in export["metaDataInfo"]
    export_path = tmp_path / "export.json"
    export_path.write_text(exported.stdout)
    imported = run("import-ranger", str(export_path))
    assert imported.returncode == 0, imported.stderr
    doc = json.loads(imported.stdout)
    assert doc["serviceName"] == "kafka"
    assert doc["policies"] == original["policies"]
    out_dir = tmp_path / "out"
    assert run("import-ranger", str(export_path), "--out-dir", str(out_dir)).returncode == 0
    assert run("validate", str(out_dir)).returncode == 0


def test_ranger_export_round_trip_keeps_tag_policies(tmp_path):
    tag_policy = {"id": 70, "name": "PII", "resources": {"tag": {"values": ["PII"]}},
                  "denyPolicyItems": [{"groups": ["public"], "accesses": [{"type": "kafka:consume", "isAllowed": True}]}]}
    original = kafka_set([topic_policy(7, ["orders"], allow=[(["alice"], ["consume"])])])
    original["tagPolicies"] = {"serviceName": "tags", "policies": [tag_policy]}
    (tmp_path / "kafka.json").write_text(json.dumps(original))
    exported = run("export-ranger", str(tmp_path / "kafka.json"))
    assert exported.returncode == 0, exported.stderr
    services = sorted((p["service"], p["serviceType"], p["id"]) for p in json.loads(exported.stdout)["policies"])
    assert services == [("kafka", "kafka", 7), ("tags", "tag", 70)]
    (tmp_path / "export.json").write_text(exported.stdout)
    out_dir = tmp_path / "out"
    assert run("import-ranger", str(tmp_path / "export.json"), "--out-dir", str(out_dir)).returncode == 0
    docs = {p.name: json.loads(p.read_text()) for p in out_dir.iterdir()}
    tag_docs = [d for d in docs.values() if "tagPolicies" in d]
    assert len(tag_docs) == 1 and tag_docs[0]["tagPolicies"] == {"serviceName": "tags", "policies": [tag_policy]}
    assert run("validate", str(out_dir)).returncode == 0
