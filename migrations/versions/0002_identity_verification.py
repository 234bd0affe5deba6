"""Identity verification: one-time codes, letter requests, person sessions, confirmation letters, outbox.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21 19:51:45.813423
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    
    op.create_table('letter_request',
    sa.Column('a_number_index', sa.LargeBinary(length=32), nullable=False),
    sa.Column('claimed_date_of_birth_encrypted', sa.LargeBinary(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_letter_request'))
    )
    with op.batch_alter_table('letter_request', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_letter_request_a_number_index'), ['a_number_index'], unique=False)

    op.create_table('outbox_message',
    sa.Column('recipient_encrypted', sa.LargeBinary(), nullable=True),
    sa.Column('body_encrypted', sa.LargeBinary(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_message'))
    )
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outbox_message_created_at'), ['created_at'], unique=False)

    op.create_table('confirmation_letter',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('reference', sa.String(length=20), nullable=False),
    sa.Column('person_id', sa.Uuid(), nullable=False),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['affected_person.id'], name=op.f('fk_confirmation_letter_person_id_affected_person'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_confirmation_letter')),
    sa.UniqueConstraint('reference', name=op.f('uq_confirmation_letter_reference'))
    )
    with op.batch_alter_table('confirmation_letter', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_confirmation_letter_person_id'), ['person_id'], unique=False)

    op.create_table('one_time_code',
    sa.Column('a_number_index', sa.LargeBinary(length=32), nullable=False),
    sa.Column('purpose', sa.Enum('identify', 'confirm_phone', name='codepurpose', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('person_id', sa.Uuid(), nullable=True),
    sa.Column('code_hash', sa.String(length=200), nullable=False),
    sa.Column('locale', sa.String(length=16), nullable=False),
    sa.Column('claimed_date_of_birth_encrypted', sa.LargeBinary(), nullable=True),
    sa.Column('phone_encrypted', sa.LargeBinary(), nullable=True),
    sa.Column('code_for_delivery_encrypted', sa.LargeBinary(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('failed_attempts', sa.Integer(), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('discarded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['affected_person.id'], name=op.f('fk_one_time_code_person_id_affected_person'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_one_time_code'))
    )
    with op.batch_alter_table('one_time_code', schema=None) as batch_op:
        batch_op.create_index('ix_one_time_code_lookup', ['a_number_index', 'purpose', 'created_at'], unique=False)

    op.create_table('person_session',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('token_hash', sa.LargeBinary(length=32), nullable=False),
    sa.Column('person_id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['person_id'], ['affected_person.id'], name=op.f('fk_person_session_person_id_affected_person'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_person_session')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_person_session_token_hash'))
    )
    with op.batch_alter_table('person_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_person_session_person_id'), ['person_id'], unique=False)

    


def downgrade() -> None:
    
    with op.batch_alter_table('person_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_person_session_person_id'))

    op.drop_table('person_session')
    with op.batch_alter_table('one_time_code', schema=None) as batch_op:
        batch_op.drop_index('ix_one_time_code_lookup')

    op.drop_table('one_time_code')
    with op.batch_alter_table('confirmation_letter', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_confirmation_letter_person_id'))

    op.drop_table('confirmation_letter')
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outbox_message_created_at'))

    op.drop_table('outbox_message')
    with op.batch_alter_table('letter_request', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_letter_request_a_number_index'))

    op.drop_table('letter_request')
    
