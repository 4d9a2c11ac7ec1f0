from django.urls import path

from discovery import views

app_name = "discovery"

urlpatterns = [
    path("search", views.SearchView.as_view(), name="search"),
    path("hashtags/<str:tag>", views.HashtagPageView.as_view(), name="hashtag"),
    path("hashtags/<str:tag>/follow", views.HashtagFollowView.as_view(), name="hashtag-follow"),
    path("trends", views.TrendsView.as_view(), name="trends"),
]
