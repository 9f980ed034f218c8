namespace StreamHub.Media;

/// <summary>Frame releases made on one thread while it resumes a stream's readers one after another
/// (<see cref="Live.SubscriberWakes"/>), given back once per frame when it is done rather than once per reader. Every
/// player of a stream releases the same frames, from a thread on each core, and each release was an atomic decrement
/// of the frame's count on a line the other cores were decrementing too: a contended atomic per frame per player. Outside
/// a gathering a release is immediate. A frame so released is held a few milliseconds longer, never past the batch.</summary>
internal sealed class GatheredReleases
{
    /// <summary>Frames counted at once: a batch's players release the same one to three frames, in the same order.</summary>
    private const int Slots = 8;

    [ThreadStatic]
    private static GatheredReleases? t_current;

    private readonly MediaFrame?[] _frames = new MediaFrame?[Slots];
    private readonly int[] _counts = new int[Slots];
    private int _used;

    /// <summary>Releases <paramref name="frame"/> now, or at the end of the gathering this thread is in.</summary>
    public static void Release(MediaFrame frame)
    {
        if (t_current is { } gathering)
        {
            gathering.Add(frame);
        }
        else
        {
            frame.Release();
        }
    }

    /// <summary>Gathers this thread's releases here until <see cref="End"/>; returns the gathering it was in, if any.</summary>
    public GatheredReleases? Begin()
    {
        var outer = t_current;
        t_current = this;
        return outer;
    }

    /// <summary>Gives back what was gathered, and returns the thread to <paramref name="outer"/>.</summary>
    public void End(GatheredReleases? outer)
    {
        t_current = outer;
        Flush();
    }

    private void Add(MediaFrame frame)
    {
        for (var i = 0; i < _used; i++)
        {
            if (ReferenceEquals(_frames[i], frame))
            {
                _counts[i]++;
                return;
            }
        }
        if (_used == Slots)
        {
            Flush();
        }
        _frames[_used] = frame;
        _counts[_used++] = 1;
    }

    private void Flush()
    {
        for (var i = 0; i < _used; i++)
        {
            var frame = _frames[i]!;
            _frames[i] = null;
            frame.Release(_counts[i]);
        }
        _used = 0;
    }
}
