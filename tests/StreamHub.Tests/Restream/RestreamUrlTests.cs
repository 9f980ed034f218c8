using StreamHub.Restream;

namespace StreamHub.Tests.Restream;

/// <summary>Platform URLs split as OBS (server URL, key apart) and ffmpeg (full URL, key at the end) split them.</summary>
public sealed class RestreamUrlTests
{
    [Theory]
    [InlineData("rtmp://a.rtmp.youtube.com/live2", RestreamScheme.Rtmp, "a.rtmp.youtube.com", 1935, "live2")]
    [InlineData("rtmps://live-api-s.facebook.com:443/rtmp/", RestreamScheme.Rtmps, "live-api-s.facebook.com", 443, "rtmp")]
    [InlineData("rtmp://live.twitch.tv/app", RestreamScheme.Rtmp, "live.twitch.tv", 1935, "app")]
    [InlineData("rtmps://a.rtmps.youtube.com/live2", RestreamScheme.Rtmps, "a.rtmps.youtube.com", 443, "live2")]
    [InlineData("RTMP://127.0.0.1:19350/live/instance", RestreamScheme.Rtmp, "127.0.0.1", 19350, "live/instance")]
    [InlineData("rtmp://[::1]:1936/live", RestreamScheme.Rtmp, "::1", 1936, "live")]
    [InlineData("  rtmp://host.example/app?token=1  ", RestreamScheme.Rtmp, "host.example", 1935, "app?token=1")]
    public void A_server_url_gives_scheme_host_default_or_given_port_and_the_whole_path_as_application(
        string url, RestreamScheme scheme, string host, int port, string application)
    {
        Assert.True(RestreamUrl.TryParseServer(url, out var parsed, out var error), error);
        Assert.Equal(new RestreamUrl(scheme, host, port, application), parsed);
    }

    [Theory]
    [InlineData("rtmp://live.twitch.tv/app/live_123?bandwidthtest=true", "live.twitch.tv", "app", "live_123?bandwidthtest=true")]
    [InlineData("rtmp://a.rtmp.youtube.com/live2/abcd-efgh-ijkl-mnop", "a.rtmp.youtube.com", "live2", "abcd-efgh-ijkl-mnop")]
    [InlineData("rtmps://live-api-s.facebook.com:443/rtmp/FB-1234-0-Ab", "live-api-s.facebook.com", "rtmp", "FB-1234-0-Ab")]
    [InlineData("rtmp://host.example/app/instance/stream/with/slashes", "host.example", "app/instance", "stream/with/slashes")]
    [InlineData("rtmp://host.example/vod/mp4:folder/file", "host.example", "vod", "mp4:folder/file")]
    public void A_full_url_is_split_into_application_and_key_as_ffmpeg_does(string url, string host, string application, string key)
    {
        Assert.True(RestreamUrl.TryParseWithKey(url, out var parsed, out var parsedKey, out var keyMissing, out var error), error);
        Assert.False(keyMissing);
        Assert.Equal(host, parsed.Host);
        Assert.Equal(application, parsed.Application);
        Assert.Equal(key, parsedKey);
    }

    [Theory]
    [InlineData("rtmp://live.twitch.tv/app")]
    [InlineData("rtmp://live.twitch.tv/app/")]
    public void A_full_url_without_a_key_says_the_key_is_missing(string url)
    {
        Assert.False(RestreamUrl.TryParseWithKey(url, out _, out _, out var keyMissing, out var error));
        Assert.True(keyMissing);
        Assert.Contains("key", error);
    }

    [Theory]
    [InlineData("http://a.rtmp.youtube.com/live2", "'http' is not supported")]
    [InlineData("srt://host:9000/live", "'srt' is not supported")]
    [InlineData("a.rtmp.youtube.com/live2", "must start with rtmp:// or rtmps://")]
    [InlineData("", "required")]
    [InlineData(null, "required")]
    [InlineData("rtmp:///live2", "no host")]
    [InlineData("rtmp://:1935/live2", "no host")]
    [InlineData("rtmp://host:0/live", "not a number from 1 to 65535")]
    [InlineData("rtmp://host:65536/live", "not a number from 1 to 65535")]
    [InlineData("rtmp://host:/live", "not a number from 1 to 65535")]
    [InlineData("rtmp://host:12ab/live", "not a number from 1 to 65535")]
    [InlineData("rtmp://host", "no application")]
    [InlineData("rtmp://host/", "no application")]
    [InlineData("rtmp://user:secret@host/live", "passwords in the URL are not supported")]
    [InlineData("rtmp://bad host/live", "not a valid host")]
    [InlineData("rtmp://[zz]/live", "IPv6")]
    [InlineData("rtmp://host/li ve", "spaces")]
    public void A_bad_url_is_refused_with_the_reason(string? url, string reason)
    {
        Assert.False(RestreamUrl.TryParseServer(url, out _, out var error));
        Assert.Contains(reason, error);
        Assert.False(RestreamUrl.TryParseWithKey(url, out _, out _, out var keyMissing, out error));
        Assert.False(keyMissing);
        Assert.Contains(reason, error);
    }

    [Fact]
    public void A_reason_never_repeats_the_url_which_may_hold_a_key()
    {
        const string Key = "SecretKeyInTheUrl123";
        Assert.False(RestreamUrl.TryParseWithKey($"rtmp://host:99999/app/{Key}", out _, out _, out _, out var error));
        Assert.DoesNotContain(Key, error);
        Assert.False(RestreamUrl.TryParseWithKey($"ftp://host/app/{Key}", out _, out _, out _, out error));
        Assert.DoesNotContain(Key, error);
    }

    [Theory]
    [InlineData("rtmp://a.rtmp.youtube.com/live2", "rtmp://a.rtmp.youtube.com/live2")]
    [InlineData("rtmps://live-api-s.facebook.com:443/rtmp/", "rtmps://live-api-s.facebook.com/rtmp")]
    [InlineData("rtmp://[::1]:1936/live", "rtmp://[::1]:1936/live")]
    [InlineData("rtmps://host:1935/live", "rtmps://host:1935/live")]
    public void The_shown_url_has_the_port_only_when_it_is_not_the_default(string url, string shown)
    {
        Assert.True(RestreamUrl.TryParseServer(url, out var parsed, out _));
        Assert.Equal(shown, parsed.ToString());
    }
}
