using Microsoft.EntityFrameworkCore;

namespace StreamHub.StreamKeys;

/// <summary>The stream key store's database. Provider-neutral: SQLite by default, another EF Core provider by
/// configuration (see <see cref="DatabaseOptions"/>).</summary>
public sealed class StreamKeyDbContext(DbContextOptions<StreamKeyDbContext> options) : DbContext(options)
{
    public DbSet<StreamRecord> Streams => Set<StreamRecord>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        var stream = modelBuilder.Entity<StreamRecord>();
        stream.ToTable("streams");
        stream.HasKey(s => s.Id);
        stream.Property(s => s.Id).HasColumnName("id");
        stream.Property(s => s.Name).HasColumnName("name").HasMaxLength(StreamName.MaxLength).IsRequired();
        stream.Property(s => s.KeyHash).HasColumnName("key_hash").HasMaxLength(32).IsRequired();
        stream.Property(s => s.Description).HasColumnName("description").HasMaxLength(StreamKeyRequestValidator.MaxDescriptionLength);
        stream.Property(s => s.CreatedAt).HasColumnName("created_at");
        stream.Property(s => s.KeyIssuedAt).HasColumnName("key_issued_at");
        stream.Property(s => s.ExpiresAt).HasColumnName("expires_at");
        stream.Property(s => s.AllowedPublishers).HasColumnName("allowed_publishers").HasMaxLength(StreamKeyRequestValidator.MaxAllowedPublishersLength);
        stream.HasIndex(s => s.Name).IsUnique().HasDatabaseName("ux_streams_name");
        stream.HasIndex(s => s.KeyHash).IsUnique().HasDatabaseName("ux_streams_key_hash");
    }
}
