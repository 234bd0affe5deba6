"""Staff queues: assignment, status and notes.

Revision ID: 0008
Revises: 0007
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('queue_item',
    sa.Column('kind', sa.Enum('remedies', 'interpreters', 'letters', 'attorneys', name='queuekind', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('subject_id', sa.Uuid(), nullable=False),
    sa.Column('assigned_to', sa.Uuid(), nullable=True),
    sa.Column('status', sa.Enum('open', 'in_progress', 'done', name='queuestatus', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('note_encrypted', sa.LargeBinary(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['assigned_to'], ['staff_user.id'], name=op.f('fk_queue_item_assigned_to_staff_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_queue_item')),
    sa.UniqueConstraint('kind', 'subject_id', name=op.f('uq_queue_item_kind_subject_id'))
    )
    with op.batch_alter_table('queue_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_queue_item_status'), ['status'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('queue_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_queue_item_status'))

    op.drop_table('queue_item')
