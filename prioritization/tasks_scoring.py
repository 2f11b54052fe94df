"""Tasks of stage 2.3.3 (thin: they call one service). Registered through prioritization.tasks."""

from celery import shared_task

from prioritization.services import contacts


@shared_task(name="prioritization.overdue_contacts_weekly", ignore_result=True, acks_late=True)
def overdue_contacts_weekly():
    """Hourly beat sweep; each owner gets the overdue-contact reminder once per ISO week."""
    return contacts.overdue_contacts_remind()
