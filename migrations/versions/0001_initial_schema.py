"""Initial schema, and the catalogue of remedies the agency promised.

Revision ID: 0001
Revises: 
Create Date: 2026-11-21 19:36:57.239182
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0001'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    
    op.create_table('affected_person',
    sa.Column('a_number_index', sa.LargeBinary(length=32), nullable=False),
    sa.Column('a_number_encrypted', sa.LargeBinary(), nullable=True),
    sa.Column('last_name_encrypted', sa.LargeBinary(), nullable=True),
    sa.Column('first_name_encrypted', sa.LargeBinary(), nullable=True),
    sa.Column('date_of_birth_encrypted', sa.LargeBinary(), nullable=True),
    sa.Column('nationality_encrypted', sa.LargeBinary(), nullable=True),
    sa.Column('facility_encrypted', sa.LargeBinary(), nullable=True),
    sa.Column('phone_encrypted', sa.LargeBinary(), nullable=True),
    sa.Column('postal_address_encrypted', sa.LargeBinary(), nullable=True),
    sa.Column('attorney_of_record_name_encrypted', sa.LargeBinary(), nullable=True),
    sa.Column('attorney_of_record_identifier_encrypted', sa.LargeBinary(), nullable=True),
    sa.Column('attorney_of_record_index', sa.LargeBinary(length=32), nullable=True),
    sa.Column('phone_index', sa.LargeBinary(length=32), nullable=True),
    sa.Column('custody_status', sa.Enum('in_custody', 'released', 'removed', name='custodystatus', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('preferred_language', sa.String(length=16), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_affected_person')),
    sa.UniqueConstraint('a_number_index', name=op.f('uq_affected_person_a_number_index'))
    )
    with op.batch_alter_table('affected_person', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_affected_person_attorney_of_record_index'), ['attorney_of_record_index'], unique=False)
        batch_op.create_index(batch_op.f('ix_affected_person_phone_index'), ['phone_index'], unique=False)

    op.create_table('audit_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_type', sa.String(length=20), nullable=False),
    sa.Column('actor_id', sa.String(length=64), nullable=True),
    sa.Column('action', sa.String(length=64), nullable=False),
    sa.Column('subject_type', sa.String(length=40), nullable=True),
    sa.Column('subject_id', sa.String(length=64), nullable=True),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.Column('previous_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_event')),
    sa.UniqueConstraint('hash', name=op.f('uq_audit_event_hash')),
    sa.UniqueConstraint('previous_hash', name=op.f('uq_audit_event_previous_hash'))
    )
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_event_action'), ['action'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_event_subject_id'), ['subject_id'], unique=False)

    op.create_table('incident',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.Enum('public_posting', 'foreign_government_disclosure', name='incidentkind', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('occurred_on', sa.Date(), nullable=False),
    sa.Column('exposure_hours', sa.Integer(), nullable=True),
    sa.Column('in_custody_on', sa.Date(), nullable=True),
    sa.Column('disclosed_to_country', sa.String(length=2), nullable=True),
    sa.Column('data_categories', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_incident')),
    sa.UniqueConstraint('code', name=op.f('uq_incident_code'))
    )
    op.create_table('remedy',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('eligible_custody_statuses', sa.JSON(), nullable=False),
    sa.Column('sort_order', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_remedy')),
    sa.UniqueConstraint('code', name=op.f('uq_remedy_code'))
    )
    op.create_table('staff_user',
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('full_name', sa.String(length=200), nullable=False),
    sa.Column('role', sa.Enum('viewer', 'caseworker', 'notifier', 'approver', 'admin', name='staffrole', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('password_hash', sa.String(length=200), nullable=False),
    sa.Column('totp_secret_encrypted', sa.LargeBinary(), nullable=True),
    sa.Column('failed_sign_ins', sa.Integer(), nullable=False),
    sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_sign_in_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_user')),
    sa.UniqueConstraint('email', name=op.f('uq_staff_user_email'))
    )
    op.create_table('attorney',
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('full_name', sa.String(length=200), nullable=False),
    sa.Column('password_hash', sa.String(length=200), nullable=False),
    sa.Column('totp_secret_encrypted', sa.LargeBinary(), nullable=True),
    sa.Column('eoir_id', sa.String(length=20), nullable=True),
    sa.Column('bar_jurisdiction', sa.String(length=80), nullable=True),
    sa.Column('bar_number', sa.String(length=40), nullable=True),
    sa.Column('eoir_id_index', sa.LargeBinary(length=32), nullable=True),
    sa.Column('bar_number_index', sa.LargeBinary(length=32), nullable=True),
    sa.Column('status', sa.Enum('pending', 'verified', 'rejected', name='attorneystatus', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('status_reason', sa.String(length=500), nullable=True),
    sa.Column('verified_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('verified_by_id', sa.Uuid(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['verified_by_id'], ['staff_user.id'], name=op.f('fk_attorney_verified_by_id_staff_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attorney')),
    sa.UniqueConstraint('email', name=op.f('uq_attorney_email'))
    )
    with op.batch_alter_table('attorney', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attorney_bar_number_index'), ['bar_number_index'], unique=False)
        batch_op.create_index(batch_op.f('ix_attorney_eoir_id_index'), ['eoir_id_index'], unique=False)
        batch_op.create_index(batch_op.f('ix_attorney_status'), ['status'], unique=False)

    op.create_table('campaign',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('channel', sa.Enum('sms', 'letter', name='channel', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('templates', sa.JSON(), nullable=False),
    sa.Column('audience', sa.JSON(), nullable=False),
    sa.Column('state', sa.Enum('draft', 'submitted', 'approved', 'rejected', 'sending', 'completed', 'cancelled', name='campaignstate', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('created_by_id', sa.Uuid(), nullable=False),
    sa.Column('approved_by_id', sa.Uuid(), nullable=True),
    sa.Column('decision_reason', sa.String(length=500), nullable=True),
    sa.Column('send_after', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('approved_by_id IS NULL OR approved_by_id <> created_by_id', name=op.f('ck_campaign_approver_is_not_creator')),
    sa.ForeignKeyConstraint(['approved_by_id'], ['staff_user.id'], name=op.f('fk_campaign_approved_by_id_staff_user')),
    sa.ForeignKeyConstraint(['created_by_id'], ['staff_user.id'], name=op.f('fk_campaign_created_by_id_staff_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_campaign'))
    )
    with op.batch_alter_table('campaign', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_campaign_state'), ['state'], unique=False)

    op.create_table('contact_preference',
    sa.Column('person_id', sa.Uuid(), nullable=False),
    sa.Column('channel', sa.Enum('sms', 'letter', 'attorney', 'none', name='contactchannel', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('language', sa.String(length=16), nullable=False),
    sa.Column('phone_encrypted', sa.LargeBinary(), nullable=True),
    sa.Column('phone_index', sa.LargeBinary(length=32), nullable=True),
    sa.Column('phone_verified_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('postal_address_encrypted', sa.LargeBinary(), nullable=True),
    sa.Column('chosen_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('opted_out_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['affected_person.id'], name=op.f('fk_contact_preference_person_id_affected_person'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contact_preference')),
    sa.UniqueConstraint('person_id', name=op.f('uq_contact_preference_person_id'))
    )
    with op.batch_alter_table('contact_preference', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contact_preference_channel'), ['channel'], unique=False)
        batch_op.create_index(batch_op.f('ix_contact_preference_language'), ['language'], unique=False)
        batch_op.create_index(batch_op.f('ix_contact_preference_phone_index'), ['phone_index'], unique=False)

    op.create_table('exposure',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Uuid(), nullable=False),
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.Column('categories', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['incident_id'], ['incident.id'], name=op.f('fk_exposure_incident_id_incident')),
    sa.ForeignKeyConstraint(['person_id'], ['affected_person.id'], name=op.f('fk_exposure_person_id_affected_person'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exposure')),
    sa.UniqueConstraint('person_id', 'incident_id', name=op.f('uq_exposure_person_id_incident_id'))
    )
    with op.batch_alter_table('exposure', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_exposure_incident_id'), ['incident_id'], unique=False)

    op.create_table('notice_code',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('person_id', sa.Uuid(), nullable=False),
    sa.Column('code_hash', sa.String(length=200), nullable=False),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['person_id'], ['affected_person.id'], name=op.f('fk_notice_code_person_id_affected_person'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notice_code'))
    )
    with op.batch_alter_table('notice_code', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notice_code_person_id'), ['person_id'], unique=False)

    op.create_table('person_remedy',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('person_id', sa.Uuid(), nullable=False),
    sa.Column('remedy_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('eligible', 'requested', 'in_review', 'granted', 'denied', 'completed', name='remedystatus', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['affected_person.id'], name=op.f('fk_person_remedy_person_id_affected_person'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['remedy_id'], ['remedy.id'], name=op.f('fk_person_remedy_remedy_id_remedy')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_person_remedy')),
    sa.UniqueConstraint('person_id', 'remedy_id', name=op.f('uq_person_remedy_person_id_remedy_id'))
    )
    with op.batch_alter_table('person_remedy', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_person_remedy_remedy_id'), ['remedy_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_person_remedy_status'), ['status'], unique=False)

    op.create_table('notification',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('campaign_id', sa.Uuid(), nullable=False),
    sa.Column('person_id', sa.Uuid(), nullable=False),
    sa.Column('notice_code_id', sa.Uuid(), nullable=True),
    sa.Column('channel', sa.Enum('sms', 'letter', name='channel', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('locale', sa.String(length=16), nullable=False),
    sa.Column('state', sa.Enum('pending', 'sending', 'sent', 'delivered', 'failed', 'undeliverable', 'cancelled', name='notificationstate', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('provider_message_id', sa.String(length=64), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('error_code', sa.String(length=20), nullable=True),
    sa.Column('error_reason', sa.String(length=200), nullable=True),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('claimed_by', sa.String(length=100), nullable=True),
    sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaign.id'], name=op.f('fk_notification_campaign_id_campaign'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['notice_code_id'], ['notice_code.id'], name=op.f('fk_notification_notice_code_id_notice_code')),
    sa.ForeignKeyConstraint(['person_id'], ['affected_person.id'], name=op.f('fk_notification_person_id_affected_person'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notification')),
    sa.UniqueConstraint('campaign_id', 'person_id', name=op.f('uq_notification_campaign_id_person_id'))
    )
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.create_index('ix_notification_due', ['state', 'next_attempt_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_notification_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_notification_provider_message_id'), ['provider_message_id'], unique=False)

    op.create_table('remedy_event',
    sa.Column('person_remedy_id', sa.Uuid(), nullable=False),
    sa.Column('status', sa.Enum('eligible', 'requested', 'in_review', 'granted', 'denied', 'completed', name='remedystatus', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_type', sa.String(length=20), nullable=False),
    sa.Column('actor_id', sa.String(length=64), nullable=True),
    sa.Column('note_encrypted', sa.LargeBinary(), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['person_remedy_id'], ['person_remedy.id'], name=op.f('fk_remedy_event_person_remedy_id_person_remedy'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_remedy_event'))
    )
    with op.batch_alter_table('remedy_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_remedy_event_person_remedy_id'), ['person_remedy_id'], unique=False)

    op.create_table('representation',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('attorney_id', sa.Uuid(), nullable=False),
    sa.Column('person_id', sa.Uuid(), nullable=False),
    sa.Column('method', sa.Enum('attorney_of_record', 'share_code', 'form_g28', 'form_eoir28', 'bulk_match', name='representationmethod', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('established_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('established_by_staff_id', sa.Uuid(), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_by', sa.String(length=20), nullable=True),
    sa.ForeignKeyConstraint(['attorney_id'], ['attorney.id'], name=op.f('fk_representation_attorney_id_attorney'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['established_by_staff_id'], ['staff_user.id'], name=op.f('fk_representation_established_by_staff_id_staff_user')),
    sa.ForeignKeyConstraint(['person_id'], ['affected_person.id'], name=op.f('fk_representation_person_id_affected_person'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_representation')),
    sa.UniqueConstraint('attorney_id', 'person_id', name=op.f('uq_representation_attorney_id_person_id'))
    )
    with op.batch_alter_table('representation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_representation_person_id'), ['person_id'], unique=False)

    remedy = sa.table(
        "remedy",
        sa.column("code", sa.String),
        sa.column("eligible_custody_statuses", sa.JSON),
        sa.column("sort_order", sa.Integer),
    )
    op.bulk_insert(remedy, [
        {"code": "release_review", "eligible_custody_statuses": ["in_custody"], "sort_order": 1},
        {"code": "reopening_non_opposition", "eligible_custody_statuses": ["in_custody", "released", "removed"], "sort_order": 2},
        {"code": "return_assistance", "eligible_custody_statuses": ["removed"], "sort_order": 3},
    ])


def downgrade() -> None:
    
    with op.batch_alter_table('representation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_representation_person_id'))

    op.drop_table('representation')
    with op.batch_alter_table('remedy_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_remedy_event_person_remedy_id'))

    op.drop_table('remedy_event')
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notification_provider_message_id'))
        batch_op.drop_index(batch_op.f('ix_notification_person_id'))
        batch_op.drop_index('ix_notification_due')

    op.drop_table('notification')
    with op.batch_alter_table('person_remedy', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_person_remedy_status'))
        batch_op.drop_index(batch_op.f('ix_person_remedy_remedy_id'))

    op.drop_table('person_remedy')
    with op.batch_alter_table('notice_code', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notice_code_person_id'))

    op.drop_table('notice_code')
    with op.batch_alter_table('exposure', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_exposure_incident_id'))

    op.drop_table('exposure')
    with op.batch_alter_table('contact_preference', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contact_preference_phone_index'))
        batch_op.drop_index(batch_op.f('ix_contact_preference_language'))
        batch_op.drop_index(batch_op.f('ix_contact_preference_channel'))

    op.drop_table('contact_preference')
    with op.batch_alter_table('campaign', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_campaign_state'))

    op.drop_table('campaign')
    with op.batch_alter_table('attorney', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attorney_status'))
        batch_op.drop_index(batch_op.f('ix_attorney_eoir_id_index'))
        batch_op.drop_index(batch_op.f('ix_attorney_bar_number_index'))

    op.drop_table('attorney')
    op.drop_table('staff_user')
    op.drop_table('remedy')
    op.drop_table('incident')
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_event_subject_id'))
        batch_op.drop_index(batch_op.f('ix_audit_event_action'))

    op.drop_table('audit_event')
    with op.batch_alter_table('affected_person', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_affected_person_phone_index'))
        batch_op.drop_index(batch_op.f('ix_affected_person_attorney_of_record_index'))

    op.drop_table('affected_person')
    
