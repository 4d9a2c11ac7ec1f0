"""discovery's answers to facts feed announces (connected in DiscoveryConfig.ready). Both run
inside feed's transaction, so hashtag rows and counts commit or roll back with the change."""

from discovery import services


def on_video_caption_changed(sender, video, **kwargs):
    services.sync_video_text(video)


def on_videos_status_changed(sender, video_ids, **kwargs):
    services.recount_hashtags_of(video_ids)
