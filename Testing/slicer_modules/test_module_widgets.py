"""Static checks of the three module widgets (no Slicer needed): every action shows its errors through
``slicer.util.tryWithErrorDisplay``, the parameter node follows the scripted-module template's lifecycle,
every ``SlicerParameterName`` in a .ui file is a parameter of the module's ``@parameterNodeWrapper`` class,
and GynAISegment's log panel and input filter exist.

Rule for actions. A *handler* is a widget method that is named ``on…`` (except the scene-close observers,
which the lifecycle test covers) or that is handed as a callback to ``connect(...)``/``addObserver(...)``
(also through a ``(widget, self.method)`` tuple list looped over to connect). Its body, after an optional
docstring, must be a single ``with slicer.util.tryWithErrorDisplay(...)`` block, or a single call of
another method of the widget that obeys the rule. Lambdas must not be connected (they cannot be checked).
Helpers that handlers call (``_show…``, ``_poll…`` called by handlers) need no wrapper of their own: an
exception raised in them reaches the handler's ``with``.
"""

import ast
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MODULES = ("GynAI", "GynAISegment", "GynAIReport")
SCENE_OBSERVERS = ("onSceneStartClose", "onSceneEndClose")
LIFECYCLE = ("setup", "cleanup", "enter", "exit", "initializeParameterNode", "setParameterNode") + SCENE_OBSERVERS


def module_tree(name: str) -> ast.Module:
    return ast.parse((ROOT / name / f"{name}.py").read_text(encoding="utf-8"))


def class_def(tree: ast.Module, name: str) -> ast.ClassDef:
    return next(node for node in tree.body if isinstance(node, ast.ClassDef) and node.name == name)


def methods(cls: ast.ClassDef) -> dict[str, ast.FunctionDef]:
    return {node.name: node for node in cls.body if isinstance(node, ast.FunctionDef)}


def self_attribute(node: ast.AST) -> str:
    """``X`` for an expression ``self.X``, else ""."""
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "self":
        return node.attr
    return ""


def connected_callbacks(cls: ast.ClassDef) -> tuple[set[str], list[int]]:
    """Widget methods handed to connect()/addObserver(), and line numbers of connected lambdas."""
    names, lambdas = set(), []
    own = set(methods(cls))
    for node in ast.walk(cls):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and \
                node.func.attr in ("connect", "addObserver"):
            for argument in node.args:
                if self_attribute(argument) in own:
                    names.add(self_attribute(argument))
                elif isinstance(argument, ast.Lambda):
                    lambdas.append(argument.lineno)
        elif isinstance(node, ast.For) and any(isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)
                                               and n.func.attr == "connect" for n in ast.walk(node)):
            for element in ast.walk(node.iter):
                if self_attribute(element) in own:
                    names.add(self_attribute(element))
                elif isinstance(element, ast.Lambda):
                    lambdas.append(element.lineno)
    return names, lambdas


def handlers(cls: ast.ClassDef) -> set[str]:
    connected, _ = connected_callbacks(cls)
    named = {name for name in methods(cls) if name.startswith("on")}
    return (named | connected) - set(SCENE_OBSERVERS)


def body_without_docstring(function: ast.FunctionDef) -> list[ast.stmt]:
    body = function.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) and \
            isinstance(body[0].value.value, str):
        body = body[1:]
    return body


def is_try_with_error_display(statement: ast.stmt) -> bool:
    if not isinstance(statement, ast.With) or len(statement.items) != 1:
        return False
    call = statement.items[0].context_expr
    return isinstance(call, ast.Call) and ast.unparse(call.func) == "slicer.util.tryWithErrorDisplay"


def unguarded_handlers(cls: ast.ClassDef) -> list[str]:
    """Handlers that break the rule of this file's docstring."""
    own = methods(cls)

    def guarded(name: str, seen: frozenset) -> bool:
        body = body_without_docstring(own[name])
        if len(body) != 1:
            return False
        if is_try_with_error_display(body[0]):
            return True
        statement = body[0]
        if isinstance(statement, (ast.Expr, ast.Return)) and isinstance(statement.value, ast.Call):
            target = self_attribute(statement.value.func)
            return target in own and target not in seen and guarded(target, seen | {name})
        return False

    return sorted(name for name in handlers(cls) if not guarded(name, frozenset()))


@pytest.mark.parametrize("module", MODULES)
def test_every_action_handler_shows_its_errors(module):
    widget = class_def(module_tree(module), f"{module}Widget")
    _, lambdas = connected_callbacks(widget)
    assert lambdas == [], f"{module}: connected lambdas at lines {lambdas}"
    assert unguarded_handlers(widget) == []
    assert len(handlers(widget)) >= 3


def test_handler_rule_catches_what_it_should():
    source = '''
class W:
    def setup(self):
        self.ui.a.connect("clicked(bool)", self.onA)
        self.ui.b.connect("clicked(bool)", self._b)
        for button, slot in ((self.ui.c, self.onC), (self.ui.d, self.onD)):
            button.connect("clicked(bool)", slot)
        self.timer.connect("timeout()", self._poll)
    def onA(self):
        """Doc."""
        with slicer.util.tryWithErrorDisplay("x"):
            pass
    def _b(self):
        self.onA()
    def onC(self):
        self.helper()
    def onD(self):
        if self.x:
            return
        with slicer.util.tryWithErrorDisplay("x"):
            pass
    def _poll(self):
        with open("f"):
            pass
    def onOther(self):
        self.onOther()
    def helper(self):
        pass
'''
    cls = ast.parse(source).body[0]
    assert unguarded_handlers(cls) == ["_poll", "onC", "onD", "onOther"]
    bad = ast.parse("class W:\n    def setup(self):\n        self.b.connect('clicked()', lambda: self.f())\n").body[0]
    assert connected_callbacks(bad)[1] == [3]


@pytest.mark.parametrize("module", MODULES)
def test_widget_follows_the_parameter_node_lifecycle(module):
    widget = class_def(module_tree(module), f"{module}Widget")
    own = methods(widget)
    assert set(LIFECYCLE) <= set(own), set(LIFECYCLE) - set(own)
    setup = ast.unparse(own["setup"])
    for event in ("StartCloseEvent", "EndCloseEvent"):
        assert f"self.addObserver(slicer.mrmlScene, slicer.mrmlScene.{event}" in setup, event
    assert "self.initializeParameterNode()" in setup
    set_node = ast.unparse(own["setParameterNode"])
    assert ".disconnectGui(self._parameterNodeGuiTag)" in set_node and ".connectGui(self.ui)" in set_node
    assert "self.setParameterNode(self.logic.getParameterNode())" in ast.unparse(own["initializeParameterNode"])
    assert "self.setParameterNode(None)" in ast.unparse(own["onSceneStartClose"])
    end_close = ast.unparse(own["onSceneEndClose"])
    assert "self.parent.isEntered" in end_close and "self.initializeParameterNode()" in end_close
    assert "self.initializeParameterNode()" in ast.unparse(own["enter"])
    assert "self.removeObservers()" in ast.unparse(own["cleanup"])
    # the GUI is connected only through setParameterNode (a second connectGui would leak a connection)
    elsewhere = [name for name, function in own.items() if name != "setParameterNode"
                 and "connectGui(" in ast.unparse(function)]
    assert elsewhere == []


def parameter_fields(tree: ast.Module) -> dict[str, set[str]]:
    """Annotated fields of each ``@parameterNodeWrapper`` class of a module file."""
    result = {}
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and any(ast.unparse(d) == "parameterNodeWrapper" for d in node.decorator_list):
            result[node.name] = {item.target.id for item in node.body
                                 if isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name)}
    return result


def ui_parameter_names(module: str) -> dict[str, str]:
    """objectName → SlicerParameterName of the widgets of a module's .ui file."""
    names = {}
    for widget in ElementTree.parse(ROOT / module / "Resources" / "UI" / f"{module}.ui").iter("widget"):
        for prop in widget.findall("property"):
            if prop.get("name") == "SlicerParameterName":
                names[widget.get("name")] = prop.findtext("string")
    return names


@pytest.mark.parametrize("module", MODULES)
def test_ui_parameter_names_are_parameter_node_fields(module):
    wrappers = parameter_fields(module_tree(module))
    assert list(wrappers) == [f"{module}ParameterNode"]
    fields = wrappers[f"{module}ParameterNode"]
    names = ui_parameter_names(module)
    assert names, module
    unknown = {widget: name for widget, name in names.items() if name not in fields}
    assert unknown == {}


def test_segment_ui_has_a_read_only_log_and_a_filtered_input():
    root = ElementTree.parse(ROOT / "GynAISegment" / "Resources" / "UI" / "GynAISegment.ui")
    widgets = {w.get("name"): w for w in root.iter("widget")}
    log = widgets["logTextEdit"]
    assert log.get("class") == "QPlainTextEdit"
    properties = {p.get("name"): p for p in log.findall("property")}
    assert properties["readOnly"].findtext("bool") == "true"
    assert int(properties["maximumBlockCount"].findtext("number")) > 0
    selector = {p.get("name"): p for p in widgets["inputVolumeSelector"].findall("property")}
    assert selector["showChildNodeTypes"].findtext("bool") == "false"   # label maps, vector volumes: subclasses
    hidden = [s.text for s in selector["hideChildNodeTypes"].iter("string")]
    assert "vtkMRMLLabelMapVolumeNode" in hidden
    source = (ROOT / "GynAISegment" / "GynAISegment.py").read_text(encoding="utf-8")
    assert "self.ui.logTextEdit.appendPlainText(" in source and "log=self._appendLog" in source


@pytest.mark.parametrize("module", MODULES)
def test_widget_texts_are_translatable(module):
    """No literal English text is put on a widget; the Lib's English sentences are not shown as they are."""
    widget = class_def(module_tree(module), f"{module}Widget")
    literal = []
    for node in ast.walk(widget):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) and \
                isinstance(node.value.value, str) and node.value.value.strip():
            for target in node.targets:
                if isinstance(target, ast.Attribute) and target.attr in ("text", "toolTip", "placeholderText"):
                    literal.append(node.lineno)
    assert literal == []
    if module == "GynAISegment":
        text = ast.unparse(widget)
        assert "model_card_summary" not in text and "modality_hint" not in text


@pytest.mark.parametrize("path, name", [("home_panel.py", "ModelsPanel"), ("timers.py", "JobPoller")])
def test_shared_gui_code_shows_its_errors_too(path, name):
    """The same rule for the widgets' shared Qt code in GynAIGui (the home module's model panel, the job poller
    whose timer calls the modules' poll functions)."""
    cls = class_def(ast.parse((ROOT / "GynAI" / "GynAIGui" / path).read_text(encoding="utf-8")), name)
    _, lambdas = connected_callbacks(cls)
    assert lambdas == [] and unguarded_handlers(cls) == [] and handlers(cls)
