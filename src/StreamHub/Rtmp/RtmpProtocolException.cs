namespace StreamHub.Rtmp;

/// <summary>A peer broke the RTMP protocol. Thrown through <see cref="RtmpThrow"/>; on the server caught only by
/// <see cref="RtmpConnectionHandler"/>, which logs one line and closes the connection, and in the client only by
/// <see cref="Client.RtmpPublishClient"/>, which wraps it in a <see cref="Client.RtmpClientException"/>. The message
/// never carries peer-supplied text (a stream key could hide in it).</summary>
public sealed class RtmpProtocolException(RtmpError error, string message) : Exception(message)
{
    public RtmpError Error { get; } = error;
}
