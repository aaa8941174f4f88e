"""Django app config for the review app (tags, watchlists, alerts, persons, incidents)."""

from django.apps import AppConfig


class ReviewConfig(AppConfig):
    name = "review"
    verbose_name = "Raqib review"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # a user object keeps its role groups (review.roles); any change of membership or
        # of a group makes what every object kept stale
        from django.contrib.auth import get_user_model
        from django.contrib.auth.models import Group
        from django.db.models.signals import m2m_changed, post_delete, post_save

        from review.roles import forget_roles

        groups = getattr(get_user_model(), "groups", None)
        if groups is not None:
            m2m_changed.connect(forget_roles, sender=groups.through,
                                dispatch_uid="review.roles.membership")
        post_save.connect(forget_roles, sender=Group, dispatch_uid="review.roles.group_saved")
        post_delete.connect(forget_roles, sender=Group,
                            dispatch_uid="review.roles.group_deleted")
