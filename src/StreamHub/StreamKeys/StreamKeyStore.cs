using Microsoft.EntityFrameworkCore;

namespace StreamHub.StreamKeys;

/// <summary>Create, read, rotate and delete streams and their keys. Only this type touches the database; it returns
/// the plain key only from <see cref="CreateAsync"/> and <see cref="RotateKeyAsync"/>.</summary>
public sealed class StreamKeyStore(StreamKeyDbContext db, TimeProvider time)
{
    public async Task<(StreamRecord Stream, string Key)?> CreateAsync(string name, string? description, DateTimeOffset? expiresAt,
        CancellationToken cancellationToken, string? allowedPublishers = null, string? hlsContainer = null, bool? hlsLowLatency = null)
    {
        if (await db.Streams.AnyAsync(s => s.Name == name, cancellationToken))
        {
            return null;
        }
        var key = StreamKeyHasher.NewKey();
        var now = time.GetUtcNow();
        var stream = new StreamRecord
        {
            Name = name,
            KeyHash = StreamKeyHasher.Hash(key),
            Description = description,
            CreatedAt = now,
            KeyIssuedAt = now,
            // PostgreSQL's timestamptz keeps the instant, not the offset, and Npgsql takes only UTC values.
            ExpiresAt = expiresAt?.ToUniversalTime(),
            AllowedPublishers = allowedPublishers,
            HlsContainer = hlsContainer,
            HlsLowLatency = hlsLowLatency,
        };
        db.Streams.Add(stream);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            // Lost a race with another create of the same name: the unique index said no.
            db.Entry(stream).State = EntityState.Detached;
            if (await db.Streams.AnyAsync(s => s.Name == name, cancellationToken))
            {
                return null;
            }
            throw;
        }
        return (stream, key);
    }

    public async Task<IReadOnlyList<StreamRecord>> ListAsync(CancellationToken cancellationToken) =>
        await db.Streams.AsNoTracking().OrderBy(s => s.Name).ToListAsync(cancellationToken);

    public Task<StreamRecord?> GetAsync(string name, CancellationToken cancellationToken) =>
        db.Streams.AsNoTracking().FirstOrDefaultAsync(s => s.Name == name, cancellationToken);

    /// <summary>The streams of these names that exist, in one query.</summary>
    public async Task<IReadOnlyList<StreamRecord>> FindByNamesAsync(IReadOnlyCollection<string> names, CancellationToken cancellationToken) =>
        await db.Streams.AsNoTracking().Where(s => names.Contains(s.Name)).ToListAsync(cancellationToken);

    public async Task<bool> DeleteAsync(string name, CancellationToken cancellationToken) =>
        await db.Streams.Where(s => s.Name == name).ExecuteDeleteAsync(cancellationToken) > 0;

    public async Task<(StreamRecord Stream, string Key)?> RotateKeyAsync(string name, CancellationToken cancellationToken)
    {
        var stream = await db.Streams.FirstOrDefaultAsync(s => s.Name == name, cancellationToken);
        if (stream is null)
        {
            return null;
        }
        var key = StreamKeyHasher.NewKey();
        stream.KeyHash = StreamKeyHasher.Hash(key);
        stream.KeyIssuedAt = time.GetUtcNow();
        await db.SaveChangesAsync(cancellationToken);
        return (stream, key);
    }

    /// <summary>Applies the fields an update gives; null when there is no such stream.</summary>
    public async Task<StreamRecord?> UpdateAsync(string name, UpdateStreamRequest update, CancellationToken cancellationToken)
    {
        var stream = await db.Streams.FirstOrDefaultAsync(s => s.Name == name, cancellationToken);
        if (stream is null)
        {
            return null;
        }
        if (update.Description is not null)
        {
            stream.Description = update.Description.Length == 0 ? null : update.Description;
        }
        if (update.ClearExpiry == true)
        {
            stream.ExpiresAt = null;
        }
        else if (update.ExpiresAt is { } expires)
        {
            stream.ExpiresAt = expires.ToUniversalTime();
        }
        if (update.AllowedPublishers is not null)
        {
            stream.AllowedPublishers = StreamKeyRequestValidator.NormaliseAllowedPublishers(update.AllowedPublishers);
        }
        if (update.HlsContainer is not null)
        {
            stream.HlsContainer = StreamKeyRequestValidator.NormaliseHlsContainer(update.HlsContainer);
        }
        if (update.ClearHlsLowLatency == true)
        {
            stream.HlsLowLatency = null;
        }
        else if (update.HlsLowLatency is { } lowLatency)
        {
            stream.HlsLowLatency = lowLatency;
        }
        await db.SaveChangesAsync(cancellationToken);
        return stream;
    }

    /// <summary>The streams that have an expiry (compared in memory: SQLite cannot compare DateTimeOffset values).</summary>
    public async Task<IReadOnlyList<StreamRecord>> ListWithExpiryAsync(CancellationToken cancellationToken) =>
        await db.Streams.AsNoTracking().Where(s => s.ExpiresAt != null).ToListAsync(cancellationToken);

    /// <summary>The publish-path lookup: one seek on the unique key-hash index.</summary>
    public Task<StreamRecord?> FindByKeyAsync(string key, CancellationToken cancellationToken)
    {
        var hash = StreamKeyHasher.Hash(key);
        return db.Streams.AsNoTracking().FirstOrDefaultAsync(s => s.KeyHash == hash, cancellationToken);
    }
}
