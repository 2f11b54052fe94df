"""factory-boy factories shared by every app's tests."""

import factory
from django.contrib.auth import get_user_model

from prioritization.models import BusinessGroup, BusinessUnit, Membership, Role, Segment
from prospects.models import Customer, normalize_name


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.PostGenerationMethodCall("set_password", "pw-for-tests-123")

    @factory.post_generation
    def saved(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class GroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BusinessGroup
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"BG{n}")
    name = factory.LazyAttribute(lambda g: f"业务群{g.code}")


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BusinessUnit
        django_get_or_create = ("code",)

    group = factory.SubFactory(GroupFactory)
    code = factory.Sequence(lambda n: f"BU{n}")
    name = factory.LazyAttribute(lambda u: f"业务单元{u.code}")


class SegmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Segment
        django_get_or_create = ("unit", "code")

    unit = factory.SubFactory(UnitFactory)
    code = factory.Sequence(lambda n: f"SEG{n}")
    name = factory.LazyAttribute(lambda s: f"细分市场{s.code}")


def grant(user, role, place):
    """Membership of `user` as `role` on a BG, BU or segment (the levels above are filled in)."""
    if isinstance(place, Segment):
        fields = {"group": place.unit.group, "unit": place.unit, "segment": place}
    elif isinstance(place, BusinessUnit):
        fields = {"group": place.group, "unit": place, "segment": None}
    else:
        fields = {"group": place, "unit": None, "segment": None}
    return Membership.objects.get_or_create(user=user, role=role, **fields)[0]


class CustomerFactory(factory.django.DjangoModelFactory):
    """A customer made without the service (for fixtures); services are tested on their own."""

    class Meta:
        model = Customer

    segment = factory.SubFactory(SegmentFactory)
    unit = factory.LazyAttribute(lambda c: c.segment.unit if c.segment else UnitFactory())
    number = factory.Sequence(lambda n: f"T-{n:05d}")
    name = factory.Sequence(lambda n: f"测试公司{n}")
    name_key = factory.LazyAttribute(lambda c: normalize_name(c.name))


__all__ = ["CustomerFactory", "GroupFactory", "Role", "SegmentFactory", "UnitFactory", "UserFactory", "grant"]
