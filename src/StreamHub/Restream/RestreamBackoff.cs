namespace StreamHub.Restream;

/// <summary>The wait before a reconnect: <c>initial × 2^(failures−1)</c>, capped at the maximum, then spread by
/// ±20 % so that targets which failed together (a network drop) do not all come back in the same instant.</summary>
public static class RestreamBackoff
{
    private const double Spread = 0.2;

    /// <param name="failures">Failures in a row, 1 for the first.</param>
    /// <param name="jitter">A number in [0, 1), e.g. <see cref="Random.NextDouble"/>.</param>
    public static TimeSpan Delay(int failures, TimeSpan initial, TimeSpan max, double jitter)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(failures, 1);
        var exponent = Math.Min(failures - 1, 30);
        var bare = Math.Min(initial.TotalMilliseconds * Math.Pow(2, exponent), max.TotalMilliseconds);
        var spread = bare * (1 - Spread + 2 * Spread * Math.Clamp(jitter, 0, 1));
        return TimeSpan.FromMilliseconds(Math.Min(spread, max.TotalMilliseconds));
    }
}
