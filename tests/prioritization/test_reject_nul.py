"""A NUL character in any form value or query parameter is refused with a 400 page in the user's
language before a view runs: nothing is written (PostgreSQL could not store it anyway)."""

from django.urls import reverse

from prospects.models import Customer


def test_a_post_with_nul_is_refused_in_chinese_and_writes_nothing(as_user, buvp, customers):
    client = as_user(buvp)
    url = reverse("prospects:customer_edit", args=[customers.auto.pk])
    before = Customer.objects.get(pk=customers.auto.pk)
    response = client.post(url, {"name": "新名字\x00", "version": before.version})
    assert response.status_code == 400
    assert "含有不允许的控制字符" in response.content.decode()
    after = Customer.objects.get(pk=customers.auto.pk)
    assert (after.name, after.version) == (before.name, before.version)


def test_a_nul_in_a_field_name_or_query_parameter_is_refused_in_english(as_user, buvp, customers):
    client = as_user(buvp)
    url = reverse("prospects:customer_list")
    response = client.get(url, {"q": "abc\x00"}, headers={"accept-language": "en"})
    assert response.status_code == 400
    assert "control character" in response.content.decode()
    response = client.post(reverse("prospects:customer_add"), {"na\x00me": "x"})
    assert response.status_code == 400


def test_ordinary_requests_and_anonymous_ones_pass(client, as_user, buvp, customers):
    response = client.get(reverse("login") + "?next=/%00")
    assert response.status_code == 400  # the page renders for an anonymous visitor too
    client = as_user(buvp)
    assert client.get(reverse("prospects:customer_list"), {"q": "一汽"}).status_code == 200
