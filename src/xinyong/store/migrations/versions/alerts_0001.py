"""alerts: watchlists, members, snapshots, alerts, findings, suspensions

Revision ID: alerts_0001
Revises: core_0002
Create Date: 2026-12-01 02:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "alerts_0001"
down_revision = "core_0002"
branch_labels = ("alerts",)
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "watchlists",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name_zh", sa.String(length=200), nullable=False),
        sa.Column("name_en", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("district_code", sa.String(length=6), nullable=True),
        sa.Column("pilot", sa.String(length=64), nullable=True),
        sa.Column("owner_user_ids", JSON, nullable=False),
        sa.Column("push_days", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_watchlists")),
    )
    op.create_table(
        "watchlist_members",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("watchlist_id", sa.String(length=64), nullable=False),
        sa.Column("subject_id", sa.String(length=24), nullable=False),
        sa.Column("added_by", sa.String(length=100), nullable=False),
        sa.Column("added_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["subjects.id"], name=op.f("fk_watchlist_members_subject_id_subjects")
        ),
        sa.ForeignKeyConstraint(
            ["watchlist_id"], ["watchlists.id"], name=op.f("fk_watchlist_members_watchlist_id_watchlists")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_watchlist_members")),
        sa.UniqueConstraint("watchlist_id", "subject_id", name="uq_watchlist_members_pair"),
    )
    op.create_table(
        "watchlist_snapshots",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("watchlist_id", sa.String(length=64), nullable=False),
        sa.Column("subject_id", sa.String(length=24), nullable=False),
        sa.Column("facts", JSON, nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("taken_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["subjects.id"], name=op.f("fk_watchlist_snapshots_subject_id_subjects")
        ),
        sa.ForeignKeyConstraint(
            ["watchlist_id"], ["watchlists.id"], name=op.f("fk_watchlist_snapshots_watchlist_id_watchlists")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_watchlist_snapshots")),
        sa.UniqueConstraint("watchlist_id", "subject_id", name="uq_watchlist_snapshots_pair"),
    )
    op.create_table(
        "alerts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("watchlist_id", sa.String(length=64), nullable=False),
        sa.Column("subject_id", sa.String(length=24), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("district_code", sa.String(length=6), nullable=True),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["subject_id"], ["subjects.id"], name=op.f("fk_alerts_subject_id_subjects")),
        sa.ForeignKeyConstraint(
            ["watchlist_id"], ["watchlists.id"], name=op.f("fk_alerts_watchlist_id_watchlists")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alerts")),
        sa.UniqueConstraint("watchlist_id", "subject_id", "day", name="uq_alerts_group"),
    )
    op.create_index("ix_alerts_district_day", "alerts", ["district_code", "day"], unique=False)
    op.create_table(
        "alert_findings",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("watchlist_id", sa.String(length=64), nullable=False),
        sa.Column("subject_id", sa.String(length=24), nullable=False),
        sa.Column("rule_id", sa.String(length=64), nullable=False),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("finding_key", sa.String(length=200), nullable=False),
        sa.Column("details", JSON, nullable=False),
        sa.Column("found_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["alert_id"], ["alerts.id"], name=op.f("fk_alert_findings_alert_id_alerts")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_findings")),
        sa.UniqueConstraint("watchlist_id", "subject_id", "finding_key", name="uq_alert_findings_key"),
    )
    op.create_index("ix_alert_findings_alert", "alert_findings", ["alert_id"], unique=False)
    op.create_table(
        "watchlist_suspensions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("watchlist_id", sa.String(length=64), nullable=False),
        sa.Column("subject_id", sa.String(length=24), nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("suspended_at", sa.DateTime(), nullable=False),
        sa.Column("resolved_at", sa.DateTime(), nullable=True),
        sa.Column("resolved_by", sa.String(length=100), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("outcome_reason", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["alert_id"], ["alerts.id"], name=op.f("fk_watchlist_suspensions_alert_id_alerts")
        ),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["subjects.id"], name=op.f("fk_watchlist_suspensions_subject_id_subjects")
        ),
        sa.ForeignKeyConstraint(
            ["watchlist_id"], ["watchlists.id"], name=op.f("fk_watchlist_suspensions_watchlist_id_watchlists")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_watchlist_suspensions")),
    )


def downgrade() -> None:
    op.drop_table("watchlist_suspensions")
    op.drop_index("ix_alert_findings_alert", table_name="alert_findings")
    op.drop_table("alert_findings")
    op.drop_index("ix_alerts_district_day", table_name="alerts")
    op.drop_table("alerts")
    op.drop_table("watchlist_snapshots")
    op.drop_table("watchlist_members")
    op.drop_table("watchlists")
