from django.urls import path

from relief import manage_views as v

app_name = "manage"

urlpatterns = [
    path("", v.regions, name="index"),
    path("regions/", v.regions, name="regions"),
    path("regions/new/", v.region_create, name="region_create"),
    path("regions/<int:pk>/edit/", v.region_edit, name="region_edit"),
    path("regions/<int:pk>/active/", v.region_set_active, name="region_set_active"),
    path("users/", v.users, name="users"),
    path("users/new/", v.user_create, name="user_create"),
    path("users/<int:pk>/", v.user_edit, name="user_edit"),
    path("users/<int:pk>/password/", v.user_password, name="user_password"),
    path("users/<int:pk>/active/", v.user_set_active, name="user_set_active"),
    path("users/<int:pk>/token/", v.user_token, name="user_token"),
    path("users/<int:pk>/token/revoke/", v.user_token_revoke, name="user_token_revoke"),
    path("delegations/", v.delegations, name="delegations"),
    path("delegations/all/", v.delegation_list, name="delegation_list"),
    path("delegations/new/", v.delegation_create_view, name="delegation_create"),
    path("delegations/<int:pk>/", v.delegation_detail, name="delegation_detail"),
    path("policies/", v.policies, name="policies"),
    path("policies/<int:region_pk>/", v.policy_region, name="policy_region"),
    path("policies/<int:region_pk>/<slug:key>/", v.policy_key, name="policy_key"),
    path("calendar/", v.calendar, name="calendar"),
    path("calendar/new/", v.calendar_override, name="calendar_create"),
    path("calendar/<int:pk>/edit/", v.calendar_override, name="calendar_edit"),
    path("calendar/<int:pk>/delete/", v.calendar_delete, name="calendar_delete"),
    path("types/", v.types, name="types"),
    path("types/<int:pk>/", v.type_edit, name="type_edit"),
    path("history/<slug:model>/<int:pk>/", v.history, name="history"),
]
