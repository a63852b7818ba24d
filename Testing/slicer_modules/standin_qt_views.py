"""More ``qt`` stand-ins (see standin_qt.py): views, timer, settings and the dialogs GynAI's modules use.

``QTimer`` only fires when a test calls :meth:`QTimer.fire` (what Slicer's event loop does after the
interval); the dialogs answer as a user who cancels; ``QSettings`` starts empty for each test.
"""

from __future__ import annotations

from typing import Any

from standin_qt import QFrame, QObject, QWidget, StandInError


class QProgressBar(QWidget):
    PROPERTIES = {"value": 0, "minimum": 0, "maximum": 100, "textVisible": True, "format": "%p%"}
    SIGNALS = frozenset({"valueChanged(int)"})

    def setValue(self, value: int) -> None:
        if not isinstance(value, int):
            raise StandInError(f"QProgressBar.setValue needs an int, got {value!r}")
        self.value = value

    def setRange(self, minimum: int, maximum: int) -> None:
        self.minimum, self.maximum = minimum, maximum


class QPlainTextEdit(QWidget):
    PROPERTIES = {"readOnly": False, "maximumBlockCount": 0, "placeholderText": "", "plainText": ""}
    SIGNALS = frozenset({"textChanged()"})

    def appendPlainText(self, text: str) -> None:
        self.plainText = f"{self.plainText}\n{text}" if self.plainText else str(text)

    def toPlainText(self) -> str:
        return self.plainText

    def setPlainText(self, text: str) -> None:
        self.plainText = str(text)

    def clear(self) -> None:
        self.plainText = ""


class QTextBrowser(QWidget):
    PROPERTIES = {"openExternalLinks": False}
    SIGNALS = frozenset({"anchorClicked(QUrl)"})

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._html = ""

    def setHtml(self, html: str) -> None:
        self._html = str(html)

    def toHtml(self) -> str:
        return self._html


class QTableWidgetItem:
    def __init__(self, text: str = "") -> None:
        if not isinstance(text, str):
            raise StandInError(f"QTableWidgetItem needs a str, got {text!r}")
        self._text = text

    def text(self) -> str:
        return self._text


class QTableWidget(QFrame):
    PROPERTIES = {"rowCount": 0, "columnCount": 0}
    SIGNALS = frozenset({"itemSelectionChanged()", "cellClicked(int,int)", "cellDoubleClicked(int,int)"})

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._cells: dict[tuple[int, int], QTableWidgetItem] = {}
        self._headers: list[str] = []

    def clear(self) -> None:
        self._cells.clear()
        self._headers = []

    def setRowCount(self, rows: int) -> None:
        self.rowCount = rows

    def setColumnCount(self, columns: int) -> None:
        self.columnCount = columns

    def setHorizontalHeaderLabels(self, labels: list) -> None:
        self._headers = [str(label) for label in labels]

    def setItem(self, row: int, column: int, item: QTableWidgetItem) -> None:
        if not (0 <= row < self.rowCount and 0 <= column < self.columnCount):
            raise StandInError(f"QTableWidget.setItem({row}, {column}) outside {self.rowCount}x{self.columnCount}")
        self._cells[(row, column)] = item

    def item(self, row: int, column: int) -> Any:
        return self._cells.get((row, column))

    def currentRow(self) -> int:
        return -1

    def resizeColumnsToContents(self) -> None:
        pass


class QTimer(QObject):
    PROPERTIES = {"interval": 0, "singleShot": False, "active": False}
    READ_ONLY = frozenset({"active"})
    SIGNALS = frozenset({"timeout()"})

    def setInterval(self, msec: int) -> None:
        self.interval = int(msec)

    def setSingleShot(self, single: bool) -> None:
        self.singleShot = bool(single)

    def start(self, msec: Any = None) -> None:
        if msec is not None:
            self.interval = int(msec)
        self._values["active"] = True

    def stop(self) -> None:
        self._values["active"] = False

    def isActive(self) -> bool:
        return self.active

    def fire(self) -> None:
        """What the event loop does when the interval has passed (test helper)."""
        if not self.active:
            raise StandInError("fire() on a timer that is not running")
        if self.singleShot:
            self._values["active"] = False
        self.emit("timeout()")


class QSettings:
    store: dict[str, Any] = {}

    def value(self, key: str, default: Any = None) -> Any:
        return self.store.get(key, default)

    def setValue(self, key: str, value: Any) -> None:
        self.store[key] = value


class QUrl:
    def __init__(self, text: str = "") -> None:
        self._text = str(text)

    @staticmethod
    def fromLocalFile(path: str) -> "QUrl":
        return QUrl(path)

    def toLocalFile(self) -> str:
        return self._text


class QFileDialog:
    """No dialog in tests: the user cancels."""

    @staticmethod
    def getOpenFileName(*args: Any) -> str:
        return ""

    @staticmethod
    def getExistingDirectory(*args: Any) -> str:
        return ""


class QInputDialog:
    @staticmethod
    def getText(*args: Any) -> str:
        return ""


class QDesktopServices:
    opened: list[str] = []

    @staticmethod
    def openUrl(url: QUrl) -> bool:
        QDesktopServices.opened.append(url.toLocalFile())
        return True
