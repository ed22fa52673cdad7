// Placeholder until the storage engine lands.
enum LogStoragePlaceholder {}
