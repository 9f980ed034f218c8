using StreamHub.Media;

namespace StreamHub.Tests.Media;

/// <summary>Releases gathered on a thread while it resumes a batch of readers: given back, once per frame, when the
/// gathering ends; immediate outside one.</summary>
public sealed class GatheredReleasesTests
{
    private static MediaFrame Frame(int holders)
    {
        var frame = MediaFrame.Create(new byte[100], MediaKind.Video, MediaFrameKind.Coded, 0, videoCodec: VideoCodec.H264);
        if (holders > 1)
        {
            frame.Retain(holders - 1);
        }
        return frame;
    }

    [Fact]
    public void Outside_a_gathering_a_release_is_immediate()
    {
        var frame = Frame(holders: 1);
        GatheredReleases.Release(frame);
        Assert.Equal(0, frame.Payload.Length);
    }

    [Fact]
    public void Releases_in_a_gathering_are_given_back_when_it_ends_and_only_then()
    {
        var video = Frame(holders: 3);
        var audio = Frame(holders: 3);
        var gathering = new GatheredReleases();
        var outer = gathering.Begin();
        Assert.Null(outer);
        for (var player = 0; player < 3; player++)
        {
            GatheredReleases.Release(video);
            GatheredReleases.Release(audio);
        }
        Assert.Equal(100, video.Payload.Length);
        Assert.Equal(100, audio.Payload.Length);
        gathering.End(outer);
        Assert.Equal(0, video.Payload.Length);
        Assert.Equal(0, audio.Payload.Length);

        // The thread is out of the gathering again.
        var after = Frame(holders: 1);
        GatheredReleases.Release(after);
        Assert.Equal(0, after.Payload.Length);
    }

    [Fact]
    public void More_distinct_frames_than_it_counts_at_once_give_the_earlier_ones_back_first()
    {
        var frames = Enumerable.Range(0, 9).Select(_ => Frame(holders: 1)).ToArray();
        var gathering = new GatheredReleases();
        var outer = gathering.Begin();
        foreach (var frame in frames[..8])
        {
            GatheredReleases.Release(frame);
        }
        Assert.All(frames[..8], f => Assert.Equal(100, f.Payload.Length));
        GatheredReleases.Release(frames[8]);
        Assert.All(frames[..8], f => Assert.Equal(0, f.Payload.Length));
        Assert.Equal(100, frames[8].Payload.Length);
        gathering.End(outer);
        Assert.Equal(0, frames[8].Payload.Length);
    }

    [Fact]
    public void A_gathering_inside_another_gives_its_own_back_and_returns_the_thread_to_the_outer_one()
    {
        var outerFrame = Frame(holders: 1);
        var innerFrame = Frame(holders: 1);
        var outer = new GatheredReleases();
        var inner = new GatheredReleases();
        var none = outer.Begin();
        GatheredReleases.Release(outerFrame);
        var previous = inner.Begin();
        Assert.Same(outer, previous);
        GatheredReleases.Release(innerFrame);
        inner.End(previous);
        Assert.Equal(0, innerFrame.Payload.Length);
        Assert.Equal(100, outerFrame.Payload.Length);
        outer.End(none);
        Assert.Equal(0, outerFrame.Payload.Length);
    }
}
