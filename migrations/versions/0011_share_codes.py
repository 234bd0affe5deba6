"""Share codes: a verified person makes a code that lets their lawyer link to them.

Revision ID: 0011
Revises: 0010
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('share_code',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('person_id', sa.Uuid(), nullable=False),
    sa.Column('code_hash', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('used_by_attorney_id', sa.Uuid(), nullable=True),
    sa.ForeignKeyConstraint(['person_id'], ['affected_person.id'], name=op.f('fk_share_code_person_id_affected_person'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['used_by_attorney_id'], ['attorney.id'], name=op.f('fk_share_code_used_by_attorney_id_attorney'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_share_code')),
    sa.UniqueConstraint('person_id', name=op.f('uq_share_code_person_id'))
    )


def downgrade() -> None:
    op.drop_table('share_code')
