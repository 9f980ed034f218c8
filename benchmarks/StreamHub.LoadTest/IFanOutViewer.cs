namespace StreamHub.LoadTest;

/// <summary>What the fan-out run asks of a viewer, RTMP or HTTP-FLV.</summary>
public interface IFanOutViewer : IAsyncDisposable
{
    /// <summary>The timestamp of the last video message or tag received, or −1.</summary>
    long LastVideoTimestamp { get; }

    long BytesReceived { get; }

    /// <summary>Completed socket receives (or body reads): how finely the server's output arrives.</summary>
    long Receives { get; }

    /// <summary>Why the connection ended; null while it is up.</summary>
    string? Ended { get; }
}
