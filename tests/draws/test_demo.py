"""The demo step: 和平's plan with a completed, replayable draw and results; idempotent."""

from __future__ import annotations

from draw_world import AS_OF
from sqlalchemy.orm import Session

from xinyong.draws import demo, service


def test_seed_demo_is_complete_replayable_and_idempotent(world):
    first = demo.seed_demo(engine=world.engine, as_of=AS_OF, now=None)
    # 40 merchants graded B → tier good at 2 %: ceil(0.8) = 1 target, every target gets a result
    assert first == {"inspectors": 12, "targets": 1, "results": 1}
    assert demo.seed_demo(engine=world.engine, as_of=AS_OF, now=None) == {
        "inspectors": 0,
        "targets": 0,
        "results": 0,
    }
    with Session(world.engine) as s:
        [row] = service.list_draws(s)
        assert (row["plan_id"], row["status"], row["results"]) == ("heping-mall-2026", "drawn", 1)
        assert service.replay(service.published_document(s, row["draw_id"]))["ok"] is True
