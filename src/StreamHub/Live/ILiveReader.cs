namespace StreamHub.Live;

/// <summary>A subscription's reader that reads on the thread that wakes it, instead of awaiting
/// <see cref="LiveSubscription.WaitToReadAsync"/>: <see cref="LiveSubscription.TryPark"/> says it waits, and the next
/// frame (or the subscription's end) calls <see cref="OnReadable"/> once, on a thread-pool thread, among the other
/// readers that frame woke. With hundreds of players on a stream, resuming an awaiting method per player per frame
/// (its continuation, its state machine, its awaiter's checks) costs a sizeable part of what sending the frame does.</summary>
public interface ILiveReader
{
    /// <summary>The subscription has something to read, or has ended. The reader owns the subscription's read side
    /// until it parks again; it must not block, and must not throw (what fails is the reader's own to handle).</summary>
    void OnReadable();

    /// <summary>Asks the processor for what <see cref="OnReadable"/> will read (<see cref="Media.CacheLines"/>),
    /// <paramref name="depth"/> references away from the reader: 1 the objects its fields point to, 2 the objects
    /// those point to, and so on. The reader itself was asked for a step earlier (so its fields may be read), and each
    /// depth a step after the one before (<see cref="LiveSubscription.PrefetchForReader"/>): from the thread that
    /// resumes a stream's readers, for the next ones while it resumes one. It must only read, and never block.</summary>
    void Prefetch(int depth);
}
