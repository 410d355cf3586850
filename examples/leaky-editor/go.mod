module leakyeditor

go 1.21
