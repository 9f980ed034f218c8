namespace StreamHub.Rtmp.Session;

/// <summary>Counts received bytes and says when an Acknowledgement is due (RTMP 1.0 §5.4.3): each time another
/// window's worth has arrived. The sequence number sent is the total mod 2^32.</summary>
public sealed class AcknowledgementWindow(uint windowSize)
{
    private ulong _received;
    private ulong _nextAcknowledgement = windowSize;

    public uint WindowSize { get; private set; } = windowSize;

    /// <summary>The sequence number to send: bytes received so far, wrapping mod 2^32.</summary>
    public uint SequenceNumber => unchecked((uint)_received);

    public ulong TotalReceived => _received;

    /// <summary>The peer's Window Acknowledgement Size; 0 is ignored.</summary>
    public void SetWindowSize(uint windowSize)
    {
        if (windowSize == 0)
        {
            return;
        }
        WindowSize = windowSize;
        _nextAcknowledgement = _received + windowSize;
    }

    /// <summary>Adds received bytes; true when an Acknowledgement is due (the caller sends it).</summary>
    public bool Add(long bytes)
    {
        _received += (ulong)bytes;
        if (_received < _nextAcknowledgement)
        {
            return false;
        }
        _nextAcknowledgement = _received + WindowSize;
        return true;
    }
}
