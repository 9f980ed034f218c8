using StreamHub.Media;

namespace StreamHub.Tests.Media;

/// <summary>A frame's reference count taken and given back several at a time, as the live stream does for all of a
/// stream's subscriptions at once.</summary>
public sealed class MediaFrameReferenceTests
{
    [Fact]
    public void References_taken_at_once_go_back_one_by_one_or_together_and_the_last_one_frees_the_payload()
    {
        var frame = MediaFrame.Create(new byte[100], MediaKind.Audio, MediaFrameKind.Coded, 0, audioCodec: AudioCodec.Aac);
        frame.Retain(5);
        frame.Release(3); // not kept by three holders
        frame.Release();
        Assert.Equal(100, frame.Payload.Length);
        frame.Release(); // the creator's
        Assert.Equal(100, frame.Payload.Length);
        frame.Release(); // the last
        Assert.Equal(0, frame.Payload.Length);
        Assert.Throws<InvalidOperationException>(() => frame.Retain(2));
    }

    [Fact]
    public void Giving_back_more_than_was_taken_throws()
    {
        var frame = MediaFrame.Create(new byte[10], MediaKind.Audio, MediaFrameKind.Coded, 0, audioCodec: AudioCodec.Aac);
        frame.Retain(2);
        Assert.Throws<InvalidOperationException>(() => frame.Release(4));
    }
}
