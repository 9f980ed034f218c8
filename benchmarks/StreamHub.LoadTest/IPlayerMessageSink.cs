namespace StreamHub.LoadTest;

/// <summary>What <see cref="PlayerChunkParser"/> hands over: media as headers only, other messages whole.</summary>
public interface IPlayerMessageSink
{
    /// <summary>An audio, video or data message has been read to its end (its payload was skipped).</summary>
    void OnSkippedMessage(byte type, uint timestamp, int length);

    /// <summary>A control or command message (Set Chunk Size and Abort already applied by the parser); the payload is
    /// valid during the call only.</summary>
    void OnMessage(byte type, uint timestamp, ReadOnlySpan<byte> payload);
}
