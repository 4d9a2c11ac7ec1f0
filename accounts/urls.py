"""Routes of the accounts app, mounted under /api/v1/."""

from django.urls import path

from accounts.views import account, cameos, characters, users

urlpatterns = [
    # --- auth (public, throttle scope "auth") ------------------------------------------
    path("auth/register", users.RegisterView.as_view(), name="auth-register"),
    path("auth/token", users.TokenView.as_view(), name="auth-token"),
    path("auth/token/refresh", users.TokenRefreshThrottledView.as_view(), name="auth-refresh"),
    path("auth/logout", users.LogoutView.as_view(), name="auth-logout"),
    # --- me and profiles -----------------------------------------------------------------
    path("me", users.MeView.as_view(), name="me"),
    path("me/erase", users.EraseMeView.as_view(), name="me-erase"),
    path("me/password", users.PasswordView.as_view(), name="me-password"),
    path("me/api-keys", account.ApiKeyListView.as_view(), name="me-api-keys"),
    path("me/api-keys/<uuid:key_id>", account.ApiKeyDetailView.as_view(), name="me-api-key"),
    path("me/export", account.ExportCreateView.as_view(), name="me-export-create"),
    path(
        "me/exports/<uuid:export_id>", account.ExportDetailView.as_view(), name="me-export-detail"
    ),
    path("users/<str:handle>", users.UserDetailView.as_view(), name="user-detail"),
    path("users/<str:handle>/follow", users.FollowView.as_view(), name="user-follow"),
    path("users/<str:handle>/block", users.BlockView.as_view(), name="user-block"),
    path("users/<str:handle>/followers", users.FollowersView.as_view(), name="user-followers"),
    path("users/<str:handle>/following", users.FollowingView.as_view(), name="user-following"),
    # --- notifications -------------------------------------------------------------------
    path("notifications", users.NotificationListView.as_view(), name="notifications"),
    path("notifications/read", users.NotificationReadView.as_view(), name="notifications-read"),
    # --- cameos (cameos/... routes go here) ---------------------------------------------
    path("cameos/me", cameos.CameoMeView.as_view(), name="cameo-me"),
    path("cameos/me/grants", cameos.CameoGrantListView.as_view(), name="cameo-grants"),
    path(
        "cameos/me/grants/<str:handle>",
        cameos.CameoGrantDetailView.as_view(),
        name="cameo-grant-detail",
    ),
    path("cameos/me/ledger", cameos.CameoLedgerView.as_view(), name="cameo-ledger"),
    path(
        "cameos/me/ledger/export",
        cameos.CameoLedgerExportView.as_view(),
        name="cameo-ledger-export",
    ),
    path("cameos/available", cameos.AvailableCameosView.as_view(), name="cameos-available"),
    # --- characters (non-human cameos); "mine" before {handle} -------------------------
    path("characters", characters.CharacterCreateView.as_view(), name="characters"),
    path("characters/mine", characters.MyCharactersView.as_view(), name="characters-mine"),
    path(
        "characters/<str:handle>",
        characters.CharacterDetailView.as_view(),
        name="character-detail",
    ),
    path(
        "characters/<str:handle>/grants",
        characters.CharacterGrantListView.as_view(),
        name="character-grants",
    ),
    path(
        "characters/<str:handle>/grants/<str:grantee>",
        characters.CharacterGrantDetailView.as_view(),
        name="character-grant-detail",
    ),
]
