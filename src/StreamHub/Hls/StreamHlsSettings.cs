namespace StreamHub.Hls;

/// <summary>A stream's own HLS settings from the streams API; a null field follows the server's setting
/// (<see cref="HlsOptions.Container"/>, <see cref="HlsOptions.LowLatency"/>). Read with the key at publish start, so a
/// change applies from the stream's next publish.</summary>
public readonly record struct StreamHlsSettings(HlsContainer? Container, bool? LowLatency)
{
    /// <summary>The API's and the database's spelling of a container.</summary>
    public static string Format(HlsContainer container) => container == HlsContainer.Ts ? "ts" : "fmp4";

    /// <summary>"fmp4" or "ts", in any case.</summary>
    public static bool TryParse(string? text, out HlsContainer container)
    {
        if (string.Equals(text, "fmp4", StringComparison.OrdinalIgnoreCase))
        {
            container = HlsContainer.Fmp4;
            return true;
        }
        if (string.Equals(text, "ts", StringComparison.OrdinalIgnoreCase))
        {
            container = HlsContainer.Ts;
            return true;
        }
        container = default;
        return false;
    }
}
