"""The log viewer: the tray app's errors and warnings, readable without a terminal."""

from __future__ import annotations

from pathlib import Path

from PyQt6.QtCore import QUrl
from PyQt6.QtGui import QDesktopServices, QFontDatabase, QTextCursor
from PyQt6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from meetwatch.desktop.logs import read_tail


class LogViewer(QDialog):
    def __init__(self, log_path: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("log-viewer")
        self.setWindowTitle("meetwatch log")
        self.resize(900, 520)
        self.log_path = log_path
        layout = QVBoxLayout(self)
        path_label = QLabel(f"Log file: {log_path}")
        path_label.setWordWrap(True)
        layout.addWidget(path_label)
        self.text = QPlainTextEdit()
        self.text.setReadOnly(True)
        self.text.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        layout.addWidget(self.text)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        reload_button = QPushButton("Reload")
        reload_button.clicked.connect(self.reload)
        buttons.addButton(reload_button, QDialogButtonBox.ButtonRole.ActionRole)
        folder_button = QPushButton("Open log folder")
        folder_button.clicked.connect(
            lambda: QDesktopServices.openUrl(QUrl.fromLocalFile(str(log_path.parent)))
        )
        buttons.addButton(folder_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.close)
        layout.addWidget(buttons)
        self.reload()

    def reload(self) -> None:
        self.text.setPlainText(read_tail(self.log_path) or "(nothing logged yet)")
        self.text.moveCursor(QTextCursor.MoveOperation.End)
