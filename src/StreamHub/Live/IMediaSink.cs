using StreamHub.Media;

namespace StreamHub.Live;

/// <summary>A consumer of live streams (the HLS packager; later players, relays, recorders). Called on the
/// publisher's read loop, so it must be quick and must never block: work that can wait goes through its own bounded
/// queue. A sink that keeps a frame past the call retains it (<see cref="MediaFrame.Retain()"/>).</summary>
public interface IMediaSink
{
    void OnPublishStarted(LiveStream stream);

    void OnFrame(LiveStream stream, MediaFrame frame);

    void OnPublishEnded(LiveStream stream);
}
