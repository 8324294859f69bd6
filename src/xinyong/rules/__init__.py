"""Rules as data (规则即数据): CEL expressions over a documented vocabulary of subject facts.

Public interface (docs/rules.md): `check_expression`, `save_rule`, `evaluate`, `subject_facts`,
`evaluate_many`, `check_fact`, `RuleError`, `CheckedRule`, `Decision`; facts and providers in `xinyong.rules.facts`.
"""

from xinyong.rules.facts import FACT_PROVIDERS, FactSpec
from xinyong.rules.lang import RuleError
from xinyong.rules.service import (
    CheckedRule,
    Decision,
    SubjectNotFound,
    check_expression,
    check_fact,
    evaluate,
    evaluate_many,
    get_rule,
    rule_history,
    save_rule,
    subject_facts,
)

__all__ = [
    "FACT_PROVIDERS",
    "CheckedRule",
    "Decision",
    "FactSpec",
    "RuleError",
    "SubjectNotFound",
    "check_expression",
    "check_fact",
    "evaluate",
    "evaluate_many",
    "get_rule",
    "rule_history",
    "save_rule",
    "subject_facts",
]
